package hostrun

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// maxGuarded is how many stray gadgets the pku backend can guard: one
// hardware debug register each.
const maxGuarded = 4

// guardAddrs holds the guarded gadgets' addresses; faultTrampoline
// treats a trap at one of them as a violation.
var guardAddrs [maxGuarded]uint64

// guardGadgets arms a hardware execute breakpoint on each gadget on this
// thread, as Hodor does: Go's own code starts its instructions elsewhere
// (the byte sequences lie inside longer instructions), so only a jump to
// the gadget itself fires, and the SIGTRAP ends the run as a violation.
func guardGadgets(gs []gadget) ([]*os.File, error) {
	if len(gs) > maxGuarded {
		return nil, fmt.Errorf("%d PKRU-changing byte sequences in executable memory, more than the %d hardware breakpoints can guard: %v", len(gs), maxGuarded, gs)
	}
	var fds []*os.File
	for i, g := range gs {
		fd, err := perfExecBreakpoint(g.addr)
		if err != nil {
			for _, f := range fds {
				f.Close()
			}
			return nil, fmt.Errorf("guard %v with a hardware breakpoint: %w", g, err)
		}
		fds = append(fds, os.NewFile(uintptr(fd), "plib-gadget-breakpoint"))
		guardAddrs[i] = g.addr
	}
	return fds, nil
}

const (
	hwBreakpointX      = 4
	perfBitExclKernel  = 1 << 5
	perfBitExclHV      = 1 << 6
	perfBitSigtrap     = 1 << 37
	hwBreakpointLenExe = 8 // sizeof(long), as execute breakpoints require
)

func perfExecBreakpoint(addr uint64) (int, error) {
	attr := unix.PerfEventAttr{
		Type:    unix.PERF_TYPE_BREAKPOINT,
		Sample:  1, // every hit
		Bits:    perfBitExclKernel | perfBitExclHV | perfBitSigtrap,
		Bp_type: hwBreakpointX,
		Ext1:    addr,
		Ext2:    hwBreakpointLenExe,
	}
	attr.Size = uint32(perfAttrSize)
	return unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
}
