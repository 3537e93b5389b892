package vmfunc

import (
	"context"
	"fmt"
	"io"

	"plib/backend"
	"plib/image"
	"plib/internal/guestbin"
	"plib/vmm"
	"plib/vmm/hvmode"
	"plib/vmm/kvm"
)

// Mode is how the vmfunc backend carries out VMFUNC (--vmfunc).
type Mode string

// VMFUNC modes.
const (
	// Auto picks nested where this host offers it, emulate otherwise.
	Auto Mode = "auto"
	// Emulate: each view is a KVM VM and the VMM carries out every
	// switch (one exit each).
	Emulate Mode = "emulate"
	// Nested: the VMM boots guestlib's hypervisor mode in a KVM guest
	// that has VMX (nested virtualization); that hypervisor runs the
	// workload with EPTP switching, which L0 KVM carries out.
	Nested Mode = "nested"
)

// BuildBundle is vmm.BuildBundle with the vmfunc backend's gate and the
// guest supervisor: the hypervisor-mode bundle of img as this backend
// lays it out (what `vmm bundle` writes).
func BuildBundle(img *image.Image, opts vmm.BundleOptions) ([]byte, error) {
	return vmm.BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, opts)
}

// runNested runs img under guestlib's hypervisor mode in a KVM guest of
// sys (--vmfunc=nested): the bundle is the guest as the emulating VMM
// lays it out, with hardware-mode views.
func runNested(ctx context.Context, sys *kvm.System, img *image.Image, path string, opts backend.Options, mech backend.Mechanism) (*backend.Result, error) {
	bundle, err := BuildBundle(img, vmm.BundleOptions{Params: opts.Params})
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
