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
// fixed little-endian words, laid out by guestlib/hv/bundle.h; package
// abi holds its numbers and its tests check them against that header.
const (
	Magic     = abi.BundleMagic
	Header    = abi.BundleHeader
	GuestHPA  = abi.BundleGuestHPA
	EPTHPA    = abi.BundleEPTHPA
	MaxParams = abi.BundleMaxParams
	NameBytes = abi.BundleNameBytes
	MaxViews  = abi.BundleMaxViews
)

// Offsets of the bundle header's fields (u64 each unless said).
const (
	OffMagic     = abi.BundleOffMagic
	OffGuestHPA  = abi.BundleOffGuestHPA
	OffGuestSize = abi.BundleOffGuestSize
	OffEPTHPA    = abi.BundleOffEPTHPA
	OffEPTPages  = abi.BundleOffEPTPages
	OffEPTPList  = abi.BundleOffEPTPList
	OffViews     = abi.BundleOffViews
	OffRIP       = abi.BundleOffRIP
	OffRSP       = abi.BundleOffRSP
	OffRFLAGS    = abi.BundleOffRFLAGS
	OffCR0       = abi.BundleOffCR0
	OffCR3       = abi.BundleOffCR3
	OffCR4       = abi.BundleOffCR4
	OffEFER      = abi.BundleOffEFER
	OffGDTBase   = abi.BundleOffGDTBase
	OffGDTLimit  = abi.BundleOffGDTLimit
	OffIDTBase   = abi.BundleOffIDTBase
	OffIDTLimit  = abi.BundleOffIDTLimit
	OffTRBase    = abi.BundleOffTRBase
	OffTRLimit   = abi.BundleOffTRLimit
	OffCSSel     = abi.BundleOffCSSel
	OffDataSel   = abi.BundleOffDataSel
	OffTRSel     = abi.BundleOffTRSel
	OffCSAR      = abi.BundleOffCSAR
	OffDataAR    = abi.BundleOffDataAR
	OffTRAR      = abi.BundleOffTRAR
	OffParams    = abi.BundleOffParams
	OffNames     = abi.BundleOffNames
	OffXCR0Max   = abi.BundleOffXCR0Max
	OffXFeatHPA  = abi.BundleOffXFeatHPA
	ParamBytes   = abi.BundleParamBytes // one parameter: name[NameBytes], u64 value
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
