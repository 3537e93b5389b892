package hostrun

import (
	"sync/atomic"

	"plib/internal/abi"
)

// scribbler rewrites a range of the application's memory from a goroutine
// of the supervisor, through its own mapping of the image's memory file:
// what a second application thread would do to an argument buffer during
// a library call (plib_scribble).
type scribbler struct {
	stop atomic.Bool
	done chan struct{}
}

// scribble starts (n > 0) or stops (n == 0) the writer. The platform has
// checked that the range is the application's own writable memory.
func (p *process) scribble(addr, n uint64) error {
	if s := p.scribbling; s != nil {
		s.stop.Store(true)
		<-s.done
		p.scribbling = nil
	}
	if n == 0 {
		return nil
	}
	s := &scribbler{done: make(chan struct{})}
	mem := p.mem[addr-abi.ImageBase : addr+n-abi.ImageBase]
	go func() {
		defer close(s.done)
		for v := byte(1); !s.stop.Load(); v++ {
			for i := range mem {
				mem[i] = v
			}
		}
	}()
	p.scribbling = s
	return nil
}
