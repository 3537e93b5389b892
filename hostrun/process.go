package hostrun

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"plib/abi"
	"plib/backend"
	"plib/guestbin"
	"plib/image"
)

// gates holds each host backend's trusted gate page.
var gates = map[string][]byte{"none": guestbin.GateNone}

// process is an image loaded at its fixed address in this process.
type process struct {
	mem     []byte // [abi.ImageBase, img.End)
	ctx     []byte // the switch context page
	ctxAddr uintptr
	img     *image.Image
}

func load(img *image.Image, gate []byte) (*process, error) {
	span := img.End - abi.ImageBase
	mem, err := mmapFixed(abi.ImageBase, span)
	if err != nil {
		return nil, fmt.Errorf("map the image at %#x (%d bytes): %w", abi.ImageBase, span, err)
	}
	ctx, err := unix.Mmap(-1, 0, abi.PageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("map the switch context: %w", err)
	}
	p := &process{mem: mem, ctx: ctx, ctxAddr: addrOf(ctx), img: img}
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
	copy(mem[abi.GateData-abi.ImageBase:], img.HeaderPage(0, uint64(p.ctxAddr)))
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

func (p *process) u64(off int) uint64       { return binary.LittleEndian.Uint64(p.ctx[off:]) }
func (p *process) setU64(off int, v uint64) { binary.LittleEndian.PutUint64(p.ctx[off:], v) }

// Read implements backend.Memory over the loaded image.
func (p *process) Read(addr, n uint64) ([]byte, error) {
	if addr < abi.ImageCode || addr+n < addr || addr+n > p.img.End {
		return nil, fmt.Errorf("[%#x, +%d) is outside the image's memory", addr, n)
	}
	return append([]byte(nil), p.mem[addr-abi.ImageBase:addr-abi.ImageBase+n]...), nil
}

// domainAt names the domain whose code contains addr.
func (p *process) domainAt(addr uint64) string {
	for _, d := range p.img.Domains {
		if d != nil && addr >= d.Text.Addr && addr < d.Text.End() {
			return d.Name
		}
	}
	return "unknown"
}

// run enters the image at its entry point and serves its platform calls
// until it exits or a call stops it.
func (p *process) run(img *image.Image, plat *backend.Platform) error {
	// The first entry looks like a return from the sys routine: six saved
	// registers (zero), then the entry point as the return address.
	top := img.Domains[0].Stack.End()
	sp := top - 8*8
	frame := p.mem[sp-abi.ImageBase : top-abi.ImageBase]
	for i := range frame {
		frame[i] = 0
	}
	binary.LittleEndian.PutUint64(frame[6*8:], img.Entry)
	p.setU64(abi.CtxGuestSP, sp)
	for {
		hostEnter(p.ctxAddr)
		plat.Result.Exits["platform_call"]++
		guestSP := p.u64(abi.CtxGuestSP)
		caller := binary.LittleEndian.Uint64(p.mem[guestSP+6*8-abi.ImageBase:]) // return address of sys
		ret, stop := plat.Call(p.domainAt(caller), p.u64(abi.CtxNr), p.u64(abi.CtxA0), p.u64(abi.CtxA1), p.u64(abi.CtxA2), p, caller)
		if stop != nil {
			if stop.Violation != nil {
				plat.Result.Violation = stop.Violation
			} else {
				plat.Result.Exited, plat.Result.ExitCode = true, stop.Code
			}
			return nil
		}
		p.setU64(abi.CtxRetval, ret)
	}
}

// hostEnter switches from Go into the image (switch_amd64.s).
func hostEnter(ctx uintptr)
