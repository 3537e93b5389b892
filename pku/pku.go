// Package pku is the pku backend: the image runs in a host process, each
// library's pages carry a protection key of their own, and the gate opens
// a library's key with WRPKRU for the length of a call and checks what it
// wrote (ERIM's rule), so a jump onto the WRPKRU gains nothing.
//
// The gate is guestlib/trusted/gate_pku.S; its part in the host runtime
// (backend/hostproc) is isolation.go, which has the loader allocate the
// keys, keys every library page, writes each domain's PKRU into the
// header, and scans the stopped process for WRPKRU and XRSTOR before the
// image runs (scan.go). This CPU needs PKU and a kernel that enabled it
// (OSPKE); where either is missing the backend says so and exits 4.
// scripts/test-pku-tcg proves it under QEMU TCG.
package pku

import (
	"fmt"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/caps"
	"plib/internal/guestbin"
)

func init() {
	backend.Register(hostproc.New(hostproc.Spec{
		Name:      "pku",
		Gate:      guestbin.GatePKU,
		Isolation: keyedPages{},
		Probe:     probe,
	}), backend.Isolates, backend.StylePKU)
}

// probe checks CPUID leaf 7 for PKU and OSPKE, then makes a real
// pkey_alloc.
func probe() backend.Mechanism {
	m := backend.Mechanism{Switch: "WRPKRU (checked, ERIM-style)",
		Detail: "protection keys guard data, not instruction fetches: app code can jump into library code, which then runs without the library's rights"}
	if why := unavailable(); why != "" {
		m.Mode, m.Unavailable = backend.Unavailable, why
		return m
	}
	m.Mode = backend.Hardware
	m.Floor = &backend.Floor{Anchor: "wrpkru", Times: 2, What: "two WRPKRU writes (the callee's rights in, the caller's back)"}
	return m
}

func unavailable() string {
	c := caps.ProbeCPU()
	switch {
	case !c.PKU:
		return "the CPU has no protection keys (CPUID.(EAX=7,ECX=0):ECX[3] PKU = 0)"
	case !c.OSPKE:
		return "the kernel has not enabled protection keys (CPUID.(EAX=7,ECX=0):ECX[4] OSPKE = 0)"
	}
	k, _, errno := unix.Syscall(unix.SYS_PKEY_ALLOC, 0, 0, 0)
	if errno != 0 {
		return fmt.Sprintf("pkey_alloc failed: %v", errno)
	}
	unix.Syscall(unix.SYS_PKEY_FREE, k, 0, 0)
	return ""
}
