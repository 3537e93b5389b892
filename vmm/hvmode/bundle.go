package hvmode

import (
	"plib/internal/abi"
	"plib/vmm/kvm"
)

// A bundle is what the hypervisor mode boots: its multiboot module. It
// holds the guest exactly as the vmfunc backend builds it (supervisor
// tables, image, gate, one header page per view), the Intel EPT of every
// view with the EPTP list, and the guest's first register state (vmm
// builds one: vmm.BuildBundle). The hypervisor copies the guest memory to
// GuestHPA and the EPT to EPTHPA, points VMFUNC at the EPTP list and
// enters the guest; every switch then runs in hardware. The format is
// fixed little-endian words, read by guestlib/hv/hv.h's struct bundle.
const (
	Magic     = 0x3130564842494c50 // "PLIBHV01"
	Header    = 4096               // header bytes; guest memory follows, then the EPT
	GuestHPA  = 0x10000000         // where the hypervisor places guest memory
	EPTHPA    = 0x0c000000         // where it places the EPT pages
	MaxParams = 16
	NameBytes = 48
	MaxViews  = abi.MaxDomains
)

// Offsets of the bundle header's fields (u64 each unless said).
const (
	OffMagic     = 0
	OffGuestHPA  = 8
	OffGuestSize = 16
	OffEPTHPA    = 24
	OffEPTPages  = 32
	OffEPTPList  = 40
	OffViews     = 48
	OffRIP       = 56
	OffRSP       = 64
	OffRFLAGS    = 72
	OffCR0       = 80
	OffCR3       = 88
	OffCR4       = 96
	OffEFER      = 104
	OffGDTBase   = 112
	OffGDTLimit  = 120
	OffIDTBase   = 128
	OffIDTLimit  = 136
	OffTRBase    = 144
	OffTRLimit   = 152
	OffCSSel     = 160
	OffDataSel   = 168
	OffTRSel     = 176
	OffCSAR      = 184
	OffDataAR    = 192
	OffTRAR      = 200
	OffParams    = 208                                  // u64 count, then {name[NameBytes], u64 value}
	ParamBytes   = NameBytes + 8                        // one parameter
	OffNames     = OffParams + 8 + MaxParams*ParamBytes // view names: MaxViews x name[NameBytes]
)

// AccessRights encodes a segment in the VMCS access-rights format (SDM
// Vol. 3C, 24.4.1): type, S, DPL, P, AVL, L, D/B, G, unusable.
func AccessRights(s kvm.Segment) uint64 {
	ar := uint64(s.Typ&0xf) | uint64(s.S&1)<<4 | uint64(s.DPL&3)<<5 | uint64(s.Present&1)<<7 |
		uint64(s.AVL&1)<<12 | uint64(s.L&1)<<13 | uint64(s.DB&1)<<14 | uint64(s.G&1)<<15
	if s.Unusable != 0 {
		ar |= 1 << 16
	}
	return ar
}
