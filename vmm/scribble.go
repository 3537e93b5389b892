package vmm

import (
	"fmt"
	"sync/atomic"
)

// scribbler rewrites a range of guest memory from its own goroutine, as a
// second application vCPU would (plib_scribble).
type scribbler struct {
	stop atomic.Bool
	done chan struct{}
}

// Scribble starts rewriting [addr, addr+n) of the application's view
// (n == 0: stops). The platform has checked that the range is the
// application's own writable memory.
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
	b := m.mem.buf[off : off+n]
	s := &scribbler{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for v := byte(1); !s.stop.Load(); v++ {
			for i := range b {
				b[i] = v
			}
		}
	}()
	m.scribbler = s
	return nil
}

func (m *Machine) stopScribble() {
	if s := m.scribbler; s != nil {
		s.stop.Store(true)
		<-s.done
		m.scribbler = nil
	}
}
