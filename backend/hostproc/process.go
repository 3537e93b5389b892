package hostproc

import (
	"fmt"
	"os"

	"plib/image"
	"plib/internal/abi"
	"plib/internal/hostsys"
)

// process is an image as the supervisor sees it: the image's memory file
// mapped read-write here (the image's process maps it at the image's
// fixed addresses, with each page's rights).
type process struct {
	mem        []byte // [abi.ImageBase, img.End)
	img        *image.Image
	lib        int                // the domain this process runs (Layout.Lib; 0: the app)
	anyDomain  bool               // platform calls may read any domain's memory (Layout.AnyCaller)
	scribbling *hostsys.Scribbler // plib_scribble's writer, while one runs

	// private are the ranges the image's process holds in private copies
	// (Region.Huge: the mprotect backend's library data), which mem does
	// not show: they are read from the process's memory (procMem).
	private []image.Span
	procMem *os.File
}

// domainMemory is the image memory one domain may have the platform read
// for it: its own sections and the argument areas it shares. The rule is
// the same under every host backend, so a platform call can never read a
// library's pages for the application (a confused deputy).
type domainMemory struct {
	p      *process
	domain int
}

// Read implements backend.Memory.
func (m domainMemory) Read(addr, n uint64) ([]byte, error) {
	if addr+n < addr || addr < abi.ImageCode || addr+n > m.p.img.End {
		return nil, fmt.Errorf("[%#x, +%d) is outside the image's memory", addr, n)
	}
	for a := addr; a < addr+n; {
		s := m.p.sectionAt(a)
		if s == nil {
			return nil, fmt.Errorf("%#x is in no section", a)
		}
		if s.Domain != m.domain && !(s.Kind == image.KindArgs && m.domain == 0) && !m.p.anyDomain {
			return nil, fmt.Errorf("%#x belongs to %s, not to the caller", a, m.p.ownerOf(a))
		}
		a = s.End()
	}
	// This process maps the image file read-write whatever the image's
	// process may do: neither a closed page (mprotect) nor a closed key
	// (pku) stands in the way, and no library's rights are needed here.
	b := make([]byte, n)
	copy(b, m.p.mem[addr-abi.ImageBase:addr+n-abi.ImageBase])
	for _, sp := range m.p.private { // the process's own copy, where it has one
		lo, hi := max(addr, sp.Addr), min(addr+n, sp.Addr+sp.Size)
		if lo >= hi {
			continue
		}
		if m.p.procMem == nil {
			return nil, fmt.Errorf("[%#x, %#x) is private to the image's process and unreadable here", lo, hi)
		}
		if _, err := m.p.procMem.ReadAt(b[lo-addr:hi-addr], int64(lo)); err != nil {
			return nil, fmt.Errorf("read [%#x, %#x) of the image's process: %w", lo, hi, err)
		}
	}
	return b, nil
}

func (p *process) sectionAt(addr uint64) *image.Section {
	for _, s := range p.img.Sections {
		if addr >= s.Addr && addr < s.End() {
			return s
		}
	}
	return nil
}

// ownerOf describes the section that holds addr.
func (p *process) ownerOf(addr uint64) string {
	for _, s := range p.img.Sections {
		if addr >= s.Addr && addr < s.End() {
			if s.Domain < 0 {
				return s.Name + " (trusted)"
			}
			return fmt.Sprintf("%s of %s (%s)", s.Kind, p.img.Domains[s.Domain].Name, s.Name)
		}
	}
	return "nothing the image maps"
}

// domainAt is the domain whose code contains addr. Code in the gate runs
// for the domain the supervised image process serves: the application,
// or the library a process of its own serves (Layout.Lib).
func (p *process) domainAt(addr uint64) int {
	for _, d := range p.img.Domains {
		if d != nil && addr >= d.Text.Addr && addr < d.Text.End() {
			return d.ID
		}
	}
	return p.lib
}
