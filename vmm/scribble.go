package vmm

import (
	"fmt"

	"plib/internal/hostsys"
)

// Scribble starts rewriting [addr, addr+n) of the application's view
// from a goroutine of its own, as a second application vCPU would
// (plib_scribble; n == 0: stops). The platform has checked that the
// range is the application's own writable memory.
func (m *Machine) Scribble(addr, n uint64) error {
	m.stopScribble()
	if n == 0 {
		return nil
	}
	off, ok := m.mem.offset(0, addr)
	last, ok2 := m.mem.offset(0, addr+n-1)
	if !ok || !ok2 || last != off+n-1 {
		return fmt.Errorf("[%#x, +%d) is not contiguous guest memory", addr, n)
	}
	m.scribbler = hostsys.Scribble(m.mem.buf[off : off+n])
	return nil
}

func (m *Machine) stopScribble() {
	m.scribbler.Stop()
	m.scribbler = nil
}
