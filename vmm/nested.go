package vmm

import (
	"context"
	"fmt"
	"io"
	"sync"

	"plib/backend"
	"plib/caps"
	"plib/image"
	"plib/internal/guestbin"
	"plib/vmm/hvmode"
	"plib/vmm/kvm"
)

// VMFUNCMode is how the vmfunc backend carries out VMFUNC (--vmfunc).
type VMFUNCMode string

// VMFUNC modes.
const (
	// VMFUNCAuto picks nested where this host offers it, emulate otherwise.
	VMFUNCAuto VMFUNCMode = "auto"
	// VMFUNCEmulate: each view is a KVM VM and the VMM carries out every
	// switch (one exit each).
	VMFUNCEmulate VMFUNCMode = "emulate"
	// VMFUNCNested: the VMM boots guestlib's hypervisor mode in a KVM
	// guest that has VMX (nested virtualization); that hypervisor runs the
	// workload with EPTP switching, which L0 KVM carries out.
	VMFUNCNested VMFUNCMode = "nested"
)

// hostCPU is the host processor, read once per process.
var hostCPU = sync.OnceValue(caps.ProbeCPU)

// NestedSupport reports whether this host can give a KVM guest VMX with
// VMFUNC EPTP switching, and if not, why.
func NestedSupport() (bool, string) { return hvmode.Support(hostCPU()) }

// runNested runs img under guestlib's hypervisor mode in a KVM guest of
// sys (--vmfunc=nested): the bundle is the guest as the emulating VMM
// lays it out, with hardware-mode views.
func runNested(ctx context.Context, sys *kvm.System, img *image.Image, path string, opts backend.Options, mech backend.Mechanism) (*backend.Result, error) {
	bundle, err := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{Params: opts.Params})
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	res := &backend.Result{Backend: "vmfunc", Mechanism: mech, Image: path}
	if err := hvmode.Run(ctx, sys, guestbin.Hypervisor, bundle, opts.Timeout, res, out); err != nil {
		return nil, fmt.Errorf("vmfunc --vmfunc=nested: %w", err)
	}
	return res, nil
}
