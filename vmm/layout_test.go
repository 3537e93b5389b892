package vmm

import (
	"encoding/binary"
	"testing"

	"plib/eptviews"
	"plib/internal/abi"
)

// walk translates va through the layout's page tables: the leaf entry, or
// 0 when some level is not present.
func walk(l *Layout, va uint64) uint64 {
	rd := func(gpa uint64) uint64 { return binary.LittleEndian.Uint64(l.Supervisor[gpa-supBase:]) }
	table := l.CR3()
	for level, shift := range []uint{39, 30, 21, 12} {
		e := rd(table + 8*(va>>shift&511))
		if e&ptePresent == 0 {
			return 0
		}
		if level == 3 {
			return e
		}
		table = e & pteAddrMask
	}
	return 0
}

func TestPageTablesMatchRegions(t *testing.T) {
	f := newFixture(t)
	for _, r := range f.layout.Regions {
		for va := r.GPA; va < r.End(); va += abi.PageSize {
			e := walk(f.layout, va)
			if e == 0 {
				t.Fatalf("%s: %#x not mapped", r.Name, va)
			}
			if e&pteAddrMask != va {
				t.Fatalf("%s: %#x maps to %#x, not to itself", r.Name, va, e&pteAddrMask)
			}
			user, write, nx := e&pteUser != 0, e&pteWrite != 0, e&pteNX != 0
			if user != r.Kind.UserAccessible() {
				t.Errorf("%s: user bit %v", r.Name, user)
			}
			if write && !nx {
				t.Errorf("%s: writable and executable", r.Name)
			}
			exec := r.Kind == eptviews.Text || r.Kind.GateCode() || r.Kind == eptviews.SupervisorCode
			if exec == nx {
				t.Errorf("%s: executable=%v", r.Name, !nx)
			}
			if e&(pteAccessed|pteDirty) != pteAccessed|pteDirty {
				t.Errorf("%s: A/D bits not preset; the CPU would write the read-only tables", r.Name)
			}
		}
	}
	for _, va := range []uint64{0, 0x1000, 0x200000, 0x3ffff000, f.img.End, 0x7fff_ffff_f000} {
		if e := walk(f.layout, va); e != 0 {
			t.Errorf("%#x is mapped (%#x); only regions may be", va, e)
		}
	}
}

func TestTSSAllowsOnlyThePlatformPort(t *testing.T) {
	f := newFixture(t)
	tss := f.layout.Supervisor[tssAddr-supBase:]
	base := int(binary.LittleEndian.Uint16(tss[0x66:]))
	limit := tssLimit()
	allowed := func(port int) bool {
		i := base + port/8
		if i+1 > limit {
			return false
		}
		return tss[i]&(1<<(port%8)) == 0
	}
	for port := 0; port < 0x10000; port++ {
		if allowed(port) != (port == abi.PortSys) {
			t.Fatalf("ring 3 access to port %#x: %v", port, allowed(port))
		}
	}
	if rsp0 := binary.LittleEndian.Uint64(tss[4:]); rsp0 != supStackTop {
		t.Errorf("RSP0 %#x", rsp0)
	}
}

func TestIDTPointsAtTheStubs(t *testing.T) {
	f := newFixture(t)
	for v := uint64(0); v < numVectors; v++ {
		e := f.layout.Supervisor[idtAddr-supBase+16*v:]
		lo, hi := binary.LittleEndian.Uint64(e), binary.LittleEndian.Uint64(e[8:])
		h := lo&0xffff | (lo>>48&0xffff)<<16 | hi<<32
		if h != supCodeAddr+16*v || lo>>16&0xffff != selKernelCode || lo>>40&0xff != 0x8e {
			t.Errorf("vector %d: handler %#x, selector %#x, attributes %#x", v, h, lo>>16&0xffff, lo>>40&0xff)
		}
	}
}

// TestGuestControlState: the state no gate sets because the guest cannot
// change it: CR0.AM = 0 makes RFLAGS.AC inert; CR4.FSGSBASE only where
// KVM offers the instructions, for the gates' WRFSBASE (which instruction
// runs is the image scan's business, and what the bases are after a switch
// is checked by behaviour, TestSwitchKeepsEachViewsSegmentBases);
// CR4.PKE = 0: no protection keys in the guest; ring 3 code and stack.
// The vector state is enabled (CR4.OSFXSR, OSXSAVE with XCR0) so that the
// gate can clear it: what crosses a switch is checked by behaviour, in
// TestExtendedStateStaysInItsDomain.
func TestGuestControlState(t *testing.T) {
	var s, withBases Sregs
	userSregs(&s, 0xe7, false)
	userSregs(&withBases, 0xe7, true)
	const (
		cr0AM  = 1 << 18
		cr4PKE = 1 << 22
	)
	if s.CR4&cr4FSGSBASE != 0 || withBases.CR4 != s.CR4|cr4FSGSBASE {
		t.Errorf("CR4 = %#x without FSGSBASE offered, %#x with: want the bit only where offered", s.CR4, withBases.CR4)
	}
	if s.CR0&cr0AM != 0 {
		t.Errorf("CR0 = %#x: want AM clear", s.CR0)
	}
	if s.CR4&cr4PKE != 0 {
		t.Errorf("CR4 = %#x: PKE must be clear", s.CR4)
	}
	if s.CR4&(cr4OSFXSR|cr4OSXMMEXCPT|cr4OSXSAVE) != cr4OSFXSR|cr4OSXMMEXCPT|cr4OSXSAVE {
		t.Errorf("CR4 = %#x: want OSFXSR, OSXMMEXCPT and (with an XCR0) OSXSAVE", s.CR4)
	}
	if s.CS.DPL != 3 || s.SS.DPL != 3 || s.FS.Base != 0 || s.GS.Base != 0 {
		t.Errorf("CS/SS DPL %d/%d, FS/GS base %#x/%#x: want ring 3, bases 0", s.CS.DPL, s.SS.DPL, s.FS.Base, s.GS.Base)
	}
}
