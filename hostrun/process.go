package hostrun

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"plib/abi"
	"plib/backend"
	"plib/guestbin"
	"plib/image"
)

// hostBackend is what the child needs to know about a host backend.
type hostBackend struct {
	gate []byte
	// loader: the image runs in a process of its own under the loader,
	// supervised from this one (loaderrun.go); closed: its libraries'
	// pages start closed and the gate opens them (mprotect).
	loader, closed bool
	// keyed: each library's pages carry its own protection key (pku).
	keyed bool
	// isolate runs after loading, before the image starts.
	isolate func(p *process) error
}

// hostBackends holds each host backend's trusted gate and setup.
var hostBackends = map[string]hostBackend{
	"none":     {gate: guestbin.GateNone, loader: true},
	"mprotect": {gate: guestbin.GateMprotect, loader: true, closed: true},
	"pku":      {gate: guestbin.GatePKU, loader: true, keyed: true},
	"process":  {gate: guestbin.GateProcess, isolate: splitProcesses},
}

// closeLibraries makes every library page PROT_NONE: only the mprotect
// gate opens them, for the length of a call.
func closeLibraries(p *process) error {
	for _, d := range p.img.Libraries() {
		priv := d.Private()
		for _, s := range []image.Span{{Addr: d.Text.Addr, Size: d.Text.Size}, priv} {
			if err := unix.Mprotect(p.mem[s.Addr-abi.ImageBase:s.Addr+s.Size-abi.ImageBase], unix.PROT_NONE); err != nil {
				return fmt.Errorf("close library %s [%#x, +%#x): %w", d.Name, s.Addr, s.Size, err)
			}
		}
	}
	return nil
}

// occupant describes what this process already maps in [lo, hi), for the
// error when the image cannot be mapped there: "[heap]" is the program
// break, which only a cgo build's malloc grows (Linux starts it at a
// random point up to 1 GiB above the executable).
func occupant(lo, hi uint64) string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	ms, err := readMaps(f)
	if err != nil {
		return ""
	}
	var in []string
	for _, m := range ms {
		if m.start < hi && m.end > lo {
			in = append(in, fmt.Sprintf("%#x-%#x %s %s", m.start, m.end, m.perms, m.path))
		}
	}
	if len(in) == 0 {
		return ""
	}
	why := ""
	if strings.Contains(strings.Join(in, " "), "[heap]") {
		why = " (the program break: this binary was built with cgo; build it with CGO_ENABLED=0)"
	}
	return "; already mapped there: " + strings.Join(in, ", ") + why
}

// process is an image loaded at its fixed address in this process.
type process struct {
	mem        []byte // [abi.ImageBase, img.End)
	ctx        []byte // the switch context page
	ctxAddr    uintptr
	img        *image.Image
	self       *os.File   // /proc/self/mem: reads that ignore page rights and keys
	lib        int        // process backend: the library this process serves (0: the app)
	scribbling *scribbler // plib_scribble's writer, while one runs
}

func load(img *image.Image, gate []byte, app int) (*process, error) {
	span := img.End - abi.ImageBase
	mem, err := mmapFixed(abi.ImageBase, span)
	if err != nil {
		return nil, fmt.Errorf("map the image at %#x (%d bytes): %w%s", abi.ImageBase, span, err, occupant(abi.ImageBase, abi.ImageBase+span))
	}
	ctx, err := unix.Mmap(-1, 0, abi.PageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("map the switch context: %w", err)
	}
	self, err := os.Open("/proc/self/mem")
	if err != nil {
		return nil, fmt.Errorf("open /proc/self/mem: %w", err)
	}
	p := &process{mem: mem, ctx: ctx, ctxAddr: addrOf(ctx), img: img, self: self}
	for _, s := range img.Sections {
		if s.Data != nil && s.Kind != image.KindGate && s.Kind != image.KindGateData {
			copy(mem[s.Addr-abi.ImageBase:], s.Data)
		}
	}
	gp := mem[abi.GatePage-abi.ImageBase : abi.GatePage-abi.ImageBase+abi.GatePages*abi.PageSize]
	for i := range gp {
		gp[i] = 0xcc
	}
	copy(gp, gate)
	copy(mem[abi.GateData-abi.ImageBase:], img.HeaderPage(0, app, uint64(p.ctxAddr)))
	copy(mem[abi.GateEntries-abi.ImageBase:], img.EntryTable())
	// W^X for the image; the none backend isolates nothing else.
	for _, s := range img.Sections {
		prot := unix.PROT_READ | unix.PROT_WRITE
		switch s.Kind {
		case image.KindGate, image.KindText:
			prot = unix.PROT_READ | unix.PROT_EXEC
		case image.KindGateData:
			prot = unix.PROT_READ
		}
		if err := unix.Mprotect(mem[s.Addr-abi.ImageBase:s.End()-abi.ImageBase], prot); err != nil {
			return nil, fmt.Errorf("protect %s: %w", s.Name, err)
		}
	}
	return p, nil
}

// shareData maps the libraries' shared data (file descriptor fd) over
// their data sections: every application instance then reads and writes
// the same library pages.
func (p *process) shareData(fd int) error {
	f := os.NewFile(uintptr(fd), "plib-shared-data")
	ranges, _ := p.img.SharedData()
	for _, r := range ranges {
		if err := mapShared(f, r.Off, r.Addr, r.Size); err != nil {
			return fmt.Errorf("map library %d's shared data at %#x: %w", r.Lib, r.Addr, err)
		}
	}
	return f.Close()
}

func (p *process) u64(off int) uint64       { return binary.LittleEndian.Uint64(p.ctx[off:]) }
func (p *process) setU64(off int, v uint64) { binary.LittleEndian.PutUint64(p.ctx[off:], v) }

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
		if s.Domain != m.domain && !(s.Kind == image.KindArgs && m.domain == 0) {
			return nil, fmt.Errorf("%#x belongs to %s, not to the caller", a, m.p.ownerOf(a))
		}
		a = s.End()
	}
	b := make([]byte, n)
	if m.p.self == nil { // the loader runtime: this process maps the image file read-write
		copy(b, m.p.mem[addr-abi.ImageBase:addr+n-abi.ImageBase])
		return b, nil
	}
	// Through /proc/self/mem: the kernel treats the access as remote, so
	// neither a closed page (mprotect) nor a closed key (pku) stops it,
	// and Go never needs a library's rights to serve its calls.
	if _, err := m.p.self.ReadAt(b, int64(addr)); err != nil {
		return nil, fmt.Errorf("read [%#x, +%d): %w", addr, n, err)
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
// for the domain this process serves: the application, or the library of
// a process-backend library process.
func (p *process) domainAt(addr uint64) int {
	for _, d := range p.img.Domains {
		if d != nil && addr >= d.Text.Addr && addr < d.Text.End() {
			return d.ID
		}
	}
	return p.lib
}

// run enters the image at entry on the stack that ends at top and serves
// its platform calls until it exits or a call stops it.
func (p *process) run(img *image.Image, plat *backend.Platform, entry, top uint64) error {
	// The first entry looks like a return from the sys routine: six saved
	// registers (zero), then the entry point as the return address.
	sp := top - 8*8
	frame := p.mem[sp-abi.ImageBase : top-abi.ImageBase]
	for i := range frame {
		frame[i] = 0
	}
	binary.LittleEndian.PutUint64(frame[6*8:], entry)
	p.setU64(abi.CtxGuestSP, sp)
	for {
		f, mxcsr := hostEnter(p.ctxAddr)
		if f&imageOnlyFlags != 0 {
			return fmt.Errorf("the gate resumed Go with RFLAGS %#x: the image's TF, DF or AC reached trusted code", f)
		}
		if mxcsr&^mxcsrStatus != goMXCSR {
			return fmt.Errorf("the gate resumed Go with MXCSR %#x, not %#x: the image's floating-point control reached trusted code", mxcsr, goMXCSR)
		}
		if nr := p.u64(abi.CtxNr); nr > abi.CtxFault && nr < abi.CtxFault+65 {
			plat.Result.Exits["fault"]++
			plat.Result.Violation = p.faultViolation(unix.Signal(nr-abi.CtxFault), p.u64(abi.CtxA0), int64(p.u64(abi.CtxA1)), p.u64(abi.CtxA2), p.u64(abi.CtxA3))
			return nil
		}
		plat.Result.Exits["platform_call"]++
		// The process backend's app: the image's stack pointer, as the sys
		// routine saw it (a jump into that routine with a forged one is a
		// violation, not a reason for Go to read outside the image).
		sp := p.u64(abi.CtxGuestSP)
		if sp < abi.ImageCode || sp > p.img.End-7*8 {
			plat.Result.Violation = &backend.Violation{Kind: "platform-call", Domain: img.Domains[0].Name, Address: sp,
				Detail: fmt.Sprintf("platform call with the stack pointer %#x outside the image", sp), CaughtBy: "platform-call validation"}
			return nil
		}
		caller := binary.LittleEndian.Uint64(p.mem[sp+6*8-abi.ImageBase:]) // return address of sys
		d := p.domainAt(caller)
		ret, stop := plat.Call(img.Domains[d].Name, p.u64(abi.CtxNr), p.u64(abi.CtxA0), p.u64(abi.CtxA1), p.u64(abi.CtxA2), domainMemory{p, d}, caller)
		if stop != nil {
			if stop.Violation != nil {
				plat.Result.Violation = stop.Violation
			} else {
				plat.Result.Exited, plat.Result.ExitCode = true, stop.Code
			}
			return nil
		}
		p.setU64(abi.CtxRetval, ret)
		p.setU64(abi.CtxDomain, uint64(d))
	}
}

// imageOnlyFlags are RFLAGS bits the image may set for itself but Go must
// never run with: TF (single-step), DF (string copies run backwards), AC
// (alignment faults). The gate's sys routine and the fault trampoline
// clear them; hostEnter's result proves it on every return into Go.
const imageOnlyFlags = 1<<8 | 1<<10 | 1<<18

// goMXCSR is the MXCSR Go runs with (every exception masked, round to
// nearest), which the gate loads before entering Go; mxcsrStatus are its
// sticky exception flags, which Go's own arithmetic may set.
const (
	goMXCSR     = 0x1f80
	mxcsrStatus = 0x3f
)

// hostEnter switches from Go into the image (switch_amd64.s) and returns
// the RFLAGS and MXCSR Go was resumed with.
func hostEnter(ctx uintptr) (flags, mxcsr uint64)
