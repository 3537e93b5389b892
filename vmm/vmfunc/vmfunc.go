// Package vmfunc is the vmfunc backend: each library in its own EPT view
// of a KVM guest (vmm's machine), switched by VMFUNC EPTP switching in
// the gate (guestlib/trusted/gate_vmfunc.S). Where the host runs no
// VMFUNC for a KVM guest, the machine emulates it (--vmfunc=emulate:
// each view its own KVM VM, one exit per switch); with nested
// virtualization, guestlib's hypervisor mode runs the workload in a KVM
// guest and L0 KVM carries the switches out (--vmfunc=nested).
package vmfunc

import (
	"context"
	"fmt"
	"strings"

	"plib/backend"
	"plib/caps"
	"plib/image"
	"plib/internal/guestbin"
	"plib/vmm"
	"plib/vmm/kvm"
)

// Backend is the vmfunc backend: each library in its own EPT view of a
// KVM guest, switched by VMFUNC in the gate.
type Backend struct {
	// VMFUNC is how VMFUNC is carried out; "" means Auto.
	VMFUNC Mode
}

// resolve picks the mode that runs: nested where auto finds it
// available. nestedWhyNot says why nested is not.
func (b Backend) resolve() (mode Mode, nestedWhyNot string, err error) {
	ok, why := vmm.NestedSupport()
	switch b.VMFUNC {
	case "", Auto:
		if ok {
			return Nested, "", nil
		}
		return Emulate, why, nil
	case Emulate, Nested:
		return b.VMFUNC, why, nil
	}
	return "", "", fmt.Errorf("unknown VMFUNC mode %q (auto, emulate or nested)", b.VMFUNC)
}

// Name implements backend.Backend.
func (Backend) Name() string { return "vmfunc" }

// emulateWhy says why the host runs no VMFUNC itself, as a sentence.
func emulateWhy(cpu caps.CPU) string {
	why := "the host CPU has VMFUNC, but stock KVM does not let its guests use it"
	if !cpu.VMFUNC {
		why = cpu.NoVMFUNC() + ", so it cannot run VMFUNC itself"
	}
	return strings.ToUpper(why[:1]) + why[1:]
}

// Probe implements backend.Backend.
func (b Backend) Probe() backend.Mechanism {
	mode, why, err := b.resolve()
	m, sys := b.probe(mode, why, err)
	if sys != nil {
		sys.Close()
	}
	return m
}

// probe describes the mechanism mode (from resolve) gives and, where it
// is available, returns /dev/kvm open for the run.
func (b Backend) probe(mode Mode, nestedWhyNot string, err error) (backend.Mechanism, *kvm.System) {
	m := backend.Mechanism{Backend: "vmfunc", Switch: "VMFUNC leaf 0 (EPTP switching)"}
	if err != nil {
		m.Mode, m.Unavailable = backend.Unavailable, err.Error()
		return m, nil
	}
	sys, err := vmm.CheckKVM()
	if err != nil {
		m.Mode, m.Unavailable = backend.Unavailable, err.Error()
		return m, nil
	}
	if mode == Nested {
		if nestedWhyNot != "" {
			sys.Close()
			m.Mode, m.Unavailable = backend.Unavailable, "--vmfunc=nested: "+nestedWhyNot
			return m, nil
		}
		m.Mode, m.EmulatedBy = backend.Emulated, "L0 KVM"
		m.Detail = "--vmfunc=nested: the VMM boots guestlib's hypervisor mode in a KVM guest with VMX; it runs the workload with EPT views and " +
			"VMFUNC EPTP switching, which L0 KVM emulates for its nested guest"
		return m, sys
	}
	m.Mode, m.EmulatedBy = backend.Emulated, "vmm"
	m.Floor = &backend.Floor{Anchor: "kvm-exit", Times: 2, What: "two port-I/O exits from guest ring 3 (the switch in and the switch out)"}
	why := emulateWhy(vmm.HostCPU()) + ". "
	if b.VMFUNC == "" || b.VMFUNC == Auto {
		why = "--vmfunc=auto chose emulate: nested is unavailable (" + nestedWhyNot + "). "
		if vmm.HostCPU().VMX {
			why += emulateWhy(vmm.HostCPU()) + ". "
		}
	}
	m.Detail = why + "Each view is its own KVM VM over shared memory; the gate's VMFUNC ends in a gate page its view does not map, so fetching " +
		"it exits to the VMM once, which moves the vCPU state into the target view's VM through sync regs (a VMFUNC that raises #UD instead is " +
		"reported by the guest supervisor and handled the same way)"
	return m, sys
}

// RunInstance implements backend.Backend. It probes once: the mode from
// the host's CPU, then /dev/kvm, kept open for the run.
func (b Backend) RunInstance(ctx context.Context, img *image.Image, path string, opts backend.Options, inst backend.Instance) (*backend.Result, error) {
	mode, why, err := b.resolve()
	if err == nil && img.Apps > 1 && mode == Nested {
		return nil, fmt.Errorf("%w: vmfunc --vmfunc=nested runs one application instance; %s asks for %d", backend.ErrUnavailable, path, img.Apps)
	}
	mech, sys := b.probe(mode, why, err)
	if sys == nil {
		return nil, fmt.Errorf("%w: vmfunc: %s", backend.ErrUnavailable, mech.Unavailable)
	}
	defer sys.Close()
	if mode == Nested {
		return runNested(ctx, sys, img, path, opts, mech)
	}
	res := &backend.Result{Backend: "vmfunc", Mechanism: mech, Image: path}
	m, release, err := vmm.Load(sys, vmm.Config{Image: img, Gate: guestbin.GateVMFUNC, Supervisor: guestbin.Supervisor}, res, opts, inst)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := m.Run(ctx, opts.Timeout); err != nil {
		return res, err
	}
	return res, nil
}

func init() { backend.Register(Backend{}, backend.Isolates, backend.StyleVMFunc) }
