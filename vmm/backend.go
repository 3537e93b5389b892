package vmm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"plib/backend"
	"plib/caps"
	"plib/image"
	"plib/internal/guestbin"
	"plib/vmm/kvm"
)

// Backend is the vmfunc backend: each library in its own EPT view of a
// KVM guest, switched by VMFUNC in the gate.
type Backend struct {
	// VMFUNC is how VMFUNC is carried out; "" means VMFUNCAuto.
	VMFUNC VMFUNCMode
}

// resolve picks the mode that runs: nested where auto finds it
// available. nestedWhyNot says why nested is not.
func (b Backend) resolve() (mode VMFUNCMode, nestedWhyNot string, err error) {
	ok, why := NestedSupport()
	switch b.VMFUNC {
	case "", VMFUNCAuto:
		if ok {
			return VMFUNCNested, "", nil
		}
		return VMFUNCEmulate, why, nil
	case VMFUNCEmulate, VMFUNCNested:
		return b.VMFUNC, why, nil
	}
	return "", "", fmt.Errorf("unknown VMFUNC mode %q (auto, emulate or nested)", b.VMFUNC)
}

// Name implements backend.Backend.
func (Backend) Name() string { return "vmfunc" }

// requiredCaps are the KVM capabilities the VMM cannot do without.
var requiredCaps = []struct {
	Cap  int
	Name string
}{
	{kvm.CapUserMemory, "KVM_CAP_USER_MEMORY"},
	{kvm.CapReadonlyMem, "KVM_CAP_READONLY_MEM"},
	{kvm.CapSyncRegs, "KVM_CAP_SYNC_REGS"},
	{kvm.CapImmediateExit, "KVM_CAP_IMMEDIATE_EXIT"},
}

// CheckKVM opens /dev/kvm and checks what the VMM needs.
func CheckKVM() (*kvm.System, error) {
	sys, err := openKVM()
	if err != nil {
		return nil, err
	}
	if err := checkKVM(sys); err != nil {
		sys.Close()
		return nil, err
	}
	return sys, nil
}

func openKVM() (*kvm.System, error) {
	sys, err := kvm.Open()
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("/dev/kvm does not exist: this machine has no KVM (no hardware virtualization, or the kvm module is not loaded)")
	}
	return sys, err
}

// checkKVM checks that sys offers what the VMM needs.
func checkKVM(sys *kvm.System) error {
	if v, err := sys.APIVersion(); err != nil || v != 12 {
		return fmt.Errorf("KVM API version %d (err %v), want 12", v, err)
	}
	for _, c := range requiredCaps {
		v, err := sys.CheckExtension(c.Cap)
		if err != nil || v == 0 {
			return fmt.Errorf("KVM lacks %s", c.Name)
		}
		if c.Cap == kvm.CapSyncRegs && v&(kvm.SyncRegs|kvm.SyncSregs) != kvm.SyncRegs|kvm.SyncSregs {
			return fmt.Errorf("KVM_CAP_SYNC_REGS offers mask %#x, need regs and sregs", v)
		}
	}
	return nil
}

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
func (b Backend) probe(mode VMFUNCMode, nestedWhyNot string, err error) (backend.Mechanism, *kvm.System) {
	m := backend.Mechanism{Backend: "vmfunc", Switch: "VMFUNC leaf 0 (EPTP switching)"}
	if err != nil {
		m.Mode, m.Unavailable = backend.Unavailable, err.Error()
		return m, nil
	}
	sys, err := CheckKVM()
	if err != nil {
		m.Mode, m.Unavailable = backend.Unavailable, err.Error()
		return m, nil
	}
	if mode == VMFUNCNested {
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
	why := emulateWhy(hostCPU()) + ". "
	if b.VMFUNC == "" || b.VMFUNC == VMFUNCAuto {
		why = "--vmfunc=auto chose emulate: nested is unavailable (" + nestedWhyNot + "). "
		if hostCPU().VMX {
			why += emulateWhy(hostCPU()) + ". "
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
	if err == nil && img.Apps > 1 && mode == VMFUNCNested {
		return nil, fmt.Errorf("%w: vmfunc --vmfunc=nested runs one application instance; %s asks for %d", backend.ErrUnavailable, path, img.Apps)
	}
	mech, sys := b.probe(mode, why, err)
	if sys == nil {
		return nil, fmt.Errorf("%w: vmfunc: %s", backend.ErrUnavailable, mech.Unavailable)
	}
	defer sys.Close()
	if mode == VMFUNCNested {
		return runNested(ctx, sys, img, path, opts, mech)
	}
	res := &backend.Result{Backend: "vmfunc", Mechanism: mech, Image: path}
	m, release, err := Load(sys, Config{Image: img, Gate: guestbin.GateVMFUNC, Supervisor: guestbin.Supervisor}, res, opts, inst)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := m.Run(ctx, opts.Timeout); err != nil {
		return res, err
	}
	return res, nil
}

// KVMInfo is what `vmm caps` reports about KVM.
type KVMInfo struct {
	Available  bool           `json:"available"`
	Error      string         `json:"error,omitempty"`
	APIVersion int            `json:"api_version,omitempty"`
	Caps       map[string]int `json:"capabilities,omitempty"` // KVM_CHECK_EXTENSION results
}

// ProbeKVM opens /dev/kvm and reads the capabilities plib uses.
func ProbeKVM() KVMInfo {
	sys, err := openKVM()
	if err != nil {
		return KVMInfo{Error: err.Error()}
	}
	defer sys.Close()
	info := KVMInfo{Available: true, Caps: map[string]int{}}
	info.APIVersion, _ = sys.APIVersion()
	for _, c := range append(requiredCaps, struct {
		Cap  int
		Name string
	}{kvm.CapNRMemSlots, "KVM_CAP_NR_MEMSLOTS"}) {
		v, _ := sys.CheckExtension(c.Cap)
		info.Caps[c.Name] = v
	}
	if err := checkKVM(sys); err != nil {
		info.Error = err.Error()
	}
	return info
}

func init() { backend.Register(Backend{}, backend.Isolates, backend.StyleVMFunc) }
