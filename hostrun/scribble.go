package hostrun

import (
	"fmt"
	"os"
	"sync/atomic"

	"plib/abi"
)

// scribbler rewrites a range of the application's memory from a goroutine
// (another thread than the image's), through /proc/self/mem so that no
// page right or protection key stands in its way: what a second
// application thread would do to an argument buffer during a library
// call (plib_scribble).
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
	if p.self == nil { // the loader runtime: the image file is mapped here
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
	f, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open /proc/self/mem for writing: %w", err)
	}
	s := &scribbler{done: make(chan struct{})}
	buf := make([]byte, n)
	go func() {
		defer close(s.done)
		defer f.Close()
		for v := byte(1); !s.stop.Load(); v++ {
			for i := range buf {
				buf[i] = v
			}
			if _, err := f.WriteAt(buf, int64(addr)); err != nil {
				return
			}
		}
	}()
	p.scribbling = s
	return nil
}
