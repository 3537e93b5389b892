package hostproc

import (
	"plib/internal/abi"
	"plib/internal/hostsys"
)

// scribble starts (n > 0) or stops (n == 0) rewriting a range of the
// application's memory from a goroutine of the supervisor, through its
// own mapping of the image's memory file: what a second application
// thread would do to an argument buffer during a library call
// (plib_scribble). The platform has checked that the range is the
// application's own writable memory.
func (p *process) scribble(addr, n uint64) error {
	p.scribbling.Stop()
	p.scribbling = nil
	if n > 0 {
		p.scribbling = hostsys.Scribble(p.mem[addr-abi.ImageBase : addr+n-abi.ImageBase])
	}
	return nil
}
