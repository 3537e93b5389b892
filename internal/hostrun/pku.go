package hostrun

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/internal/caps"
	"plib/internal/image"
)

// PKU is the pku backend: each library's pages carry its own protection
// key, and the gate opens it with WRPKRU for the length of a call.
type PKU struct{}

// Name implements backend.Backend.
func (PKU) Name() string { return "pku" }

// Probe implements backend.Backend: CPUID leaf 7 for PKU and OSPKE, then a
// real pkey_alloc.
func (PKU) Probe() backend.Mechanism {
	m := backend.Mechanism{Backend: "pku", Switch: "WRPKRU (checked, ERIM-style)",
		Detail: "protection keys guard data, not instruction fetches: app code can jump into library code, which then runs without the library's rights"}
	if why := pkuUnavailable(); why != "" {
		m.Mode, m.Unavailable = backend.Unavailable, why
		return m
	}
	m.Mode = backend.Hardware
	return m
}

func pkuUnavailable() string {
	c := caps.ProbeCPU()
	switch {
	case !c.PKU:
		return "the CPU has no protection keys (CPUID.(EAX=7,ECX=0):ECX[3] PKU = 0)"
	case !c.OSPKE:
		return "the kernel has not enabled protection keys (CPUID.(EAX=7,ECX=0):ECX[4] OSPKE = 0)"
	}
	k, err := pkeyAlloc(0)
	if err != nil {
		return fmt.Sprintf("pkey_alloc failed: %v", err)
	}
	pkeyFree(k)
	return ""
}

// Run implements backend.Backend.
func (b PKU) Run(ctx context.Context, img *image.Image, path string, opts backend.Options) (*backend.Result, error) {
	mech := b.Probe()
	if !mech.Available() {
		return nil, fmt.Errorf("%w: pku: %s", backend.ErrUnavailable, mech.Unavailable)
	}
	if res, ok, err := runApps(ctx, b, img, path, opts); ok {
		return res, err
	}
	return runChild(ctx, b.Name(), mech, path, opts)
}

func pkeyAlloc(rights int) (int, error) {
	k, _, errno := unix.Syscall(unix.SYS_PKEY_ALLOC, 0, uintptr(rights), 0)
	if errno != 0 {
		return 0, errno
	}
	return int(k), nil
}

func pkeyFree(k int) { unix.Syscall(unix.SYS_PKEY_FREE, uintptr(k), 0, 0) }
