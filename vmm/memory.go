package vmm

import (
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
)

// guestMemory is the host memory behind every view: one memfd mapping
// holding the supervisor region, the image, and one extra header page per
// library view (the only page whose contents differ between views).
type guestMemory struct {
	buf       []byte
	imageSpan uint64
	views     eptviews.Views
	// shared maps the file holding the libraries' data that several
	// application instances share (PLIB_APPS); nil for one instance.
	shared       []byte
	sharedRanges []image.SharedRange
	// extraBase and extraSize: guest-physical memory beyond the image
	// (a backend's extra regions), after the per-view header pages.
	extraBase, extraSize uint64
}

// share maps the shared library-data file over the libraries' data: from
// now on their pages live there, for this instance and its siblings.
func (g *guestMemory) share(img *image.Image, f *os.File) error {
	ranges, size := img.SharedData()
	if size == 0 {
		return nil
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("map the shared library data: %w", err)
	}
	g.shared, g.sharedRanges = b, ranges
	return nil
}

// sharedAt returns where gpa lives in the shared mapping, if it does.
func (g *guestMemory) sharedAt(gpa uint64) (uint64, bool) {
	for _, r := range g.sharedRanges {
		if gpa >= r.Addr && gpa < r.Addr+r.Size {
			return r.Off + gpa - r.Addr, true
		}
	}
	return 0, false
}

func newGuestMemory(img *image.Image, views eptviews.Views, extra []eptviews.Region) (*guestMemory, error) {
	span := img.End - abi.ImageBase
	var extraBase, extraEnd uint64
	for i, r := range extra {
		if i == 0 || r.GPA < extraBase {
			extraBase = r.GPA
		}
		extraEnd = max(extraEnd, r.End())
	}
	if len(extra) > 0 && extraBase < img.End {
		return nil, fmt.Errorf("extra regions at %#x overlap the image (ends %#x)", extraBase, img.End)
	}
	size := supSize + span + uint64(len(views))*abi.PageSize + extraEnd - extraBase
	fd, err := unix.MemfdCreate("plib-guest", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		return nil, fmt.Errorf("size guest memory to %d bytes: %w", size, err)
	}
	buf, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap guest memory: %w", err)
	}
	return &guestMemory{buf: buf, imageSpan: span, views: views, extraBase: extraBase, extraSize: extraEnd - extraBase}, nil
}

func (g *guestMemory) close() error {
	if g.shared != nil {
		unix.Munmap(g.shared)
	}
	return unix.Munmap(g.buf)
}

// offset is where gpa lives in the host buffer when seen from view.
func (g *guestMemory) offset(view int, gpa uint64) (uint64, bool) {
	switch {
	case gpa >= supBase && gpa < supBase+supSize:
		return gpa - supBase, true
	case view > 0 && gpa >= abi.GateData && gpa < abi.GateData+abi.PageSize:
		return supSize + g.imageSpan + uint64(view)*abi.PageSize + gpa - abi.GateData, true
	case gpa >= abi.ImageBase && gpa < abi.ImageBase+g.imageSpan:
		return supSize + gpa - abi.ImageBase, true
	case g.extraSize > 0 && gpa >= g.extraBase && gpa < g.extraBase+g.extraSize:
		return supSize + g.imageSpan + uint64(len(g.views))*abi.PageSize + gpa - g.extraBase, true
	}
	return 0, false
}

// Read implements GuestMemory: it returns a copy of [addr, addr+n) as view
// sees it, or an error if any page is not accessible that way. Addresses
// are guest-virtual, which the identity mapping makes guest-physical.
func (g *guestMemory) Read(view int, addr, n uint64, a Access) ([]byte, error) {
	if view < 0 || view >= len(g.views) || g.views[view] == nil {
		return nil, fmt.Errorf("no view %d", view)
	}
	if addr+n < addr {
		return nil, fmt.Errorf("range [%#x, +%#x) wraps around", addr, n)
	}
	out := make([]byte, 0, n)
	for p := addr; p < addr+n; {
		m, ok := g.views[view].Lookup(p)
		if !ok {
			return nil, fmt.Errorf("%#x is not mapped in view %d", p, view)
		}
		if (a == UserRead || a == UserExec) && !m.Kind.UserAccessible() {
			return nil, fmt.Errorf("%#x is supervisor-only", p)
		}
		if (a == UserExec || a == SupervisorExec) && !m.Executable {
			return nil, fmt.Errorf("%#x is not executable in view %d", p, view)
		}
		end := min(m.End(), addr+n)
		if off, ok := g.sharedAt(p); ok {
			out = append(out, g.shared[off:off+end-p]...)
		} else {
			off, _ := g.offset(view, p)
			out = append(out, g.buf[off:off+end-p]...)
		}
		p = end
	}
	return out, nil
}

// write copies b to gpa as seen from view (used only while loading).
func (g *guestMemory) write(view int, gpa uint64, b []byte) {
	off, ok := g.offset(view, gpa)
	if !ok {
		panic(fmt.Sprintf("vmm: write outside guest memory at %#x", gpa))
	}
	copy(g.buf[off:], b)
}

// load fills guest memory: supervisor tables, image sections, the gate,
// one header page per view and the shared entry table.
// load writes img, the gate and the supervisor into guest memory; xfeat is
// the header page's feature word (abi.HdrXFeat): the register classes the
// guest's XCR0 enables, which the gate clears.
func (g *guestMemory) load(img *image.Image, layout *Layout, gate []byte, app int, xfeat uint64) {
	g.write(0, supBase, layout.Supervisor)
	for _, s := range img.Sections {
		if s.Data != nil && s.Kind != image.KindGate && s.Kind != image.KindGateData {
			g.write(0, s.Addr, s.Data)
		}
	}
	gatePage := make([]byte, abi.GatePages*abi.PageSize)
	for i := range gatePage {
		gatePage[i] = 0xcc // int3 around the gate routines
	}
	copy(gatePage, gate)
	g.write(0, abi.GatePage, gatePage)
	for id, v := range g.views {
		if v != nil {
			hdr := img.HeaderPage(id, app, 0)
			binary.LittleEndian.PutUint64(hdr[abi.HdrXFeat:], xfeat)
			g.write(id, abi.GateData, hdr)
		}
	}
	g.write(0, abi.GateEntries, img.EntryTable())
}
