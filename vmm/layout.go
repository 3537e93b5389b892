// Package vmm is plib's KVM virtual machine monitor: it loads a workload
// image into a 64-bit long-mode guest, gives every domain its own view of
// guest memory (one KVM VM per view, all sharing the same host memory),
// runs the vCPU loop, serves platform calls over port I/O, and emulates
// VMFUNC EPTP switching where the host cannot execute it. It is the
// machine only: the backends built on it (vmm/vmfunc, handoff) load
// their images with Load and register themselves.
package vmm

import (
	"encoding/binary"
	"fmt"

	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
)

// Guest-physical layout of the trusted supervisor region. The guest runs
// with an identity mapping: a guest-virtual address equals its
// guest-physical address wherever it is mapped at all.
const (
	supBase     = 0x100000
	supSize     = 0x100000
	gdtAddr     = 0x100000
	idtAddr     = 0x101000
	tssAddr     = 0x102000
	supCodeAddr = abi.SupCode
	supStackLo  = 0x104000
	supStackTop = abi.SupStackTop
	ptBase      = 0x110000 // page tables, up to the end of the region
	ptLimit     = supBase + supSize

	selKernelCode = 0x08
	selUserData   = 0x18 | 3
	selUserCode   = 0x20 | 3
	selTSS        = 0x28

	tssIOMapOff = 0x68
	numVectors  = 32
)

// Page-table entry bits.
const (
	ptePresent  = 1 << 0
	pteWrite    = 1 << 1
	pteUser     = 1 << 2
	pteAccessed = 1 << 5
	pteDirty    = 1 << 6
	pteNX       = 1 << 63
	pteAddrMask = 0x000ffffffffff000
)

// Control register bits.
const (
	cr0PE = 1 << 0
	cr0MP = 1 << 1
	cr0ET = 1 << 4
	cr0NE = 1 << 5
	cr0WP = 1 << 16
	cr0PG = 1 << 31

	cr4PAE        = 1 << 5
	cr4OSFXSR     = 1 << 9  // FXSAVE/FXRSTOR and SSE: the gate clears xmm and loads MXCSR
	cr4OSXMMEXCPT = 1 << 10 // an unmasked SSE exception is #XM, reported by the supervisor
	cr4OSXSAVE    = 1 << 18 // XCR0 (KVM_SET_XCRS): AVX and AVX-512 state, cleared by the gate
	cr4FSGSBASE   = 1 << 16 // the gates' WRFSBASE (the image scan refuses it anywhere else)

	eferLME = 1 << 8
	eferLMA = 1 << 10
	eferNXE = 1 << 11
)

// Layout is the guest-physical memory of one image: its regions and the
// supervisor region's contents (tables and page tables).
type Layout struct {
	Regions    []eptviews.Region
	Supervisor []byte // contents of [supBase, supBase+supSize)
	ImageEnd   uint64
}

// domainName names a domain of img: "app" or the library's name.
func domainName(img *image.Image, id int) string {
	if id >= 0 && id < len(img.Domains) && img.Domains[id] != nil {
		return img.Domains[id].Name
	}
	return fmt.Sprintf("domain%d", id)
}

// NewLayout builds the regions and supervisor tables for img, with the
// trusted supervisor code sup.
func NewLayout(img *image.Image, sup []byte) (*Layout, error) {
	return newLayout(img, sup, nil)
}

// newLayout is NewLayout with extra regions beyond the image (a
// backend's own shared pages, such as request slots), mapped by the page
// tables like the rest.
func newLayout(img *image.Image, sup []byte, extra []eptviews.Region) (*Layout, error) {
	if len(sup) > supStackLo-supCodeAddr {
		return nil, fmt.Errorf("supervisor code is %d bytes, more than its page", len(sup))
	}
	l := &Layout{Supervisor: make([]byte, supSize), ImageEnd: img.End}
	l.Regions = []eptviews.Region{
		{Name: "gdt+idt+tss", Kind: eptviews.Supervisor, GPA: gdtAddr, Size: supCodeAddr - gdtAddr},
		{Name: "supervisor-code", Kind: eptviews.SupervisorCode, GPA: supCodeAddr, Size: abi.PageSize},
		{Name: "supervisor-stack", Kind: eptviews.SupervisorStack, GPA: supStackLo, Size: supStackTop - supStackLo},
		{Name: "page-tables", Kind: eptviews.Supervisor, GPA: ptBase, Size: ptLimit - ptBase},
		{Name: "gate", Kind: eptviews.Gate, GPA: abi.GatePage, Size: abi.PageSize},
		{Name: "gate-in", Kind: eptviews.GateIn, GPA: abi.GateIn, Size: abi.PageSize},
		{Name: "gate-out", Kind: eptviews.GateOut, GPA: abi.GateOut, Size: abi.PageSize},
		{Name: "gate-header", Kind: eptviews.GateHeader, GPA: abi.GateData, Size: abi.PageSize},
		{Name: "gate-entries", Kind: eptviews.GateEntries, GPA: abi.GateEntries, Size: abi.PageSize},
	}
	kinds := map[image.Kind]eptviews.Kind{image.KindText: eptviews.Text, image.KindData: eptviews.Data,
		image.KindStack: eptviews.Stack, image.KindArgs: eptviews.Args}
	for _, s := range img.Sections {
		k, ok := kinds[s.Kind]
		if !ok {
			continue
		}
		l.Regions = append(l.Regions, eptviews.Region{Name: s.Name, Owner: s.Domain, Kind: k, GPA: s.Addr, Size: s.Size})
	}
	l.Regions = append(l.Regions, extra...)
	copy(l.Supervisor[supCodeAddr-supBase:], sup)
	l.writeGDT()
	l.writeIDT()
	l.writeTSS()
	if err := l.writePageTables(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Layout) put64(gpa uint64, v uint64) {
	binary.LittleEndian.PutUint64(l.Supervisor[gpa-supBase:], v)
}

func (l *Layout) writeGDT() {
	l.put64(gdtAddr+0x08, 0x00af9a000000ffff) // kernel code: 64-bit, DPL 0
	l.put64(gdtAddr+0x10, 0x00cf92000000ffff) // kernel data
	l.put64(gdtAddr+0x18, 0x00cff2000000ffff) // user data: DPL 3
	l.put64(gdtAddr+0x20, 0x00affa000000ffff) // user code: 64-bit, DPL 3
	// 64-bit TSS descriptor (busy type, so no guest LTR ever writes here).
	limit := uint64(tssLimit())
	base := uint64(tssAddr)
	lo := limit&0xffff | (base&0xffffff)<<16 | uint64(0x8b)<<40 | (limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	l.put64(gdtAddr+0x28, lo)
	l.put64(gdtAddr+0x30, base>>32)
}

func (l *Layout) writeIDT() {
	for v := uint64(0); v < numVectors; v++ {
		h := uint64(supCodeAddr) + 16*v // supervisor.S aligns each stub to 16 bytes
		attr := uint64(0x8e)            // present, DPL 0, 64-bit interrupt gate: INT n from ring 3 is #GP
		lo := h&0xffff | uint64(selKernelCode)<<16 | attr<<40 | (h>>16&0xffff)<<48
		l.put64(idtAddr+16*v, lo)
		l.put64(idtAddr+16*v+8, h>>32)
	}
}

// The I/O permission bitmap lets ring 3 use PortSys and nothing else.
func tssIOBitmapLen() int { return abi.PortSys/8 + 1 }
func tssLimit() int       { return tssIOMapOff + tssIOBitmapLen() } // includes the 0xff terminator

func (l *Layout) writeTSS() {
	t := l.Supervisor[tssAddr-supBase:]
	binary.LittleEndian.PutUint64(t[4:], supStackTop) // RSP0
	binary.LittleEndian.PutUint16(t[0x66:], tssIOMapOff)
	bm := t[tssIOMapOff : tssIOMapOff+tssIOBitmapLen()+1]
	for i := range bm {
		bm[i] = 0xff
	}
	bm[abi.PortSys/8] &^= 1 << (abi.PortSys % 8)
}

// pagePerms is the leaf entry for a region kind.
func pagePerms(k eptviews.Kind) uint64 {
	base := uint64(ptePresent | pteAccessed | pteDirty) // A/D preset: the CPU never writes the tables
	switch k {
	case eptviews.Supervisor:
		return base | pteNX
	case eptviews.SupervisorCode:
		return base
	case eptviews.SupervisorStack:
		return base | pteWrite | pteNX
	case eptviews.Gate, eptviews.GateIn, eptviews.GateOut, eptviews.Text:
		return base | pteUser
	case eptviews.GateHeader, eptviews.GateEntries:
		return base | pteUser | pteNX
	default: // data, stack, args
		return base | pteUser | pteWrite | pteNX
	}
}

// writePageTables builds 4-level tables mapping every region at its own
// address. The tables live in read-only memory in every view, so no guest
// code, not even ring 0, can change what a view executes.
func (l *Layout) writePageTables() error {
	next := uint64(ptBase)
	alloc := func() (uint64, error) {
		if next >= ptLimit {
			return 0, fmt.Errorf("%w: the image spans more memory than the %d KiB of page tables the VMM reserves can map", image.ErrBadImage, (ptLimit-ptBase)/1024)
		}
		p := next
		next += abi.PageSize
		return p, nil
	}
	pml4, _ := alloc()
	table := func(parent uint64, index uint64) (uint64, error) {
		e := parent + 8*index
		if v := binary.LittleEndian.Uint64(l.Supervisor[e-supBase:]); v&ptePresent != 0 {
			return v & pteAddrMask, nil
		}
		t, err := alloc()
		if err != nil {
			return 0, err
		}
		l.put64(e, t|ptePresent|pteWrite|pteUser|pteAccessed)
		return t, nil
	}
	for _, r := range l.Regions {
		perms := pagePerms(r.Kind)
		for va := r.GPA; va < r.End(); va += abi.PageSize {
			pdpt, err := table(pml4, va>>39&511)
			if err != nil {
				return err
			}
			pd, err := table(pdpt, va>>30&511)
			if err != nil {
				return err
			}
			pt, err := table(pd, va>>21&511)
			if err != nil {
				return err
			}
			l.put64(pt+8*(va>>12&511), va|perms)
		}
	}
	return nil
}

// CR3 is the guest's page-table root.
func (l *Layout) CR3() uint64 { return ptBase }

// userSregs is the state every view's vCPU starts with: ring 3, long mode,
// paging on, the x87 FPU and SSE enabled, and XSAVE (the AVX and AVX-512
// state XCR0 names) where xcr0 is not 0. The vector state is enabled for
// real rather than disabled by control bits: a paravirtual KVM (kvm_pvm)
// does not apply the guest's CR0.EM or CR4.OSFXSR to the hardware, so
// the gate clears these registers itself and needs them to work.
// CR4.FSGSBASE is set where KVM offers the guest the instructions
// (fsgsbase): the gates set each domain's thread pointer with WRFSBASE,
// which faults without it on a VMX or SVM host. A paravirtual KVM offers
// none and runs them whatever the guest's CR4 says.
func userSregs(s *Sregs, xcr0 uint64, fsgsbase bool) {
	code := Segment{Base: 0, Limit: 0xffffffff, Selector: selUserCode, Typ: 11, Present: 1, DPL: 3, S: 1, L: 1, G: 1}
	data := Segment{Base: 0, Limit: 0xffffffff, Selector: selUserData, Typ: 3, Present: 1, DPL: 3, DB: 1, S: 1, G: 1}
	s.CS = code
	s.DS, s.ES, s.FS, s.GS, s.SS = data, data, data, data, data
	s.TR = Segment{Base: tssAddr, Limit: uint32(tssLimit()), Selector: selTSS, Typ: 11, Present: 1}
	s.GDT = Descriptor{Base: gdtAddr, Limit: 0x37}
	s.IDT = Descriptor{Base: idtAddr, Limit: numVectors*16 - 1}
	s.CR0 = cr0PE | cr0MP | cr0ET | cr0NE | cr0WP | cr0PG
	s.CR3 = ptBase
	s.CR4 = cr4PAE | cr4OSFXSR | cr4OSXMMEXCPT
	if xcr0 != 0 {
		s.CR4 |= cr4OSXSAVE
	}
	if fsgsbase {
		s.CR4 |= cr4FSGSBASE
	}
	s.EFER = eferLME | eferLMA | eferNXE
}
