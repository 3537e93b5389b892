package vmm

import (
	"encoding/binary"
	"fmt"
	"sort"

	"plib/eptviews"
	"plib/internal/abi"
	"plib/internal/image"
)

// A hypervisor bundle is what guestlib's hypervisor mode (guestlib/hv)
// boots: the guest exactly as the vmfunc backend builds it (supervisor
// tables, image, gate, one header page per view), the Intel EPT of every
// view with the EPTP list, and the guest's first register state. The
// hypervisor copies the guest memory to BundleGuestHPA and the EPT to
// BundleEPTHPA, points VMFUNC at the EPTP list and enters the guest;
// every switch then runs in hardware. The format is fixed little-endian
// words, read by guestlib/hv/bundle.h; package abi holds its numbers and
// checks them against that header.
const (
	BundleMagic     = abi.BundleMagic    // "PLIBHV01"
	BundleHeader    = abi.BundleHeader   // header bytes; guest memory follows, then the EPT
	BundleGuestHPA  = abi.BundleGuestHPA // where the hypervisor places guest memory
	BundleEPTHPA    = abi.BundleEPTHPA   // where it places the EPT pages
	BundleMaxParams = abi.BundleMaxParams
	BundleNameBytes = abi.BundleNameBytes
	BundleMaxViews  = abi.BundleMaxViews
)

// Offsets of the bundle header's fields (u64 each unless said).
const (
	bhMagic     = abi.BundleOffMagic
	bhGuestHPA  = abi.BundleOffGuestHPA
	bhGuestSize = abi.BundleOffGuestSize
	bhEPTHPA    = abi.BundleOffEPTHPA
	bhEPTPages  = abi.BundleOffEPTPages
	bhEPTPList  = abi.BundleOffEPTPList
	bhViews     = abi.BundleOffViews
	bhRIP       = abi.BundleOffRIP
	bhRSP       = abi.BundleOffRSP
	bhRFLAGS    = abi.BundleOffRFLAGS
	bhCR0       = abi.BundleOffCR0
	bhCR3       = abi.BundleOffCR3
	bhCR4       = abi.BundleOffCR4
	bhEFER      = abi.BundleOffEFER
	bhGDTBase   = abi.BundleOffGDTBase
	bhGDTLimit  = abi.BundleOffGDTLimit
	bhIDTBase   = abi.BundleOffIDTBase
	bhIDTLimit  = abi.BundleOffIDTLimit
	bhTRBase    = abi.BundleOffTRBase
	bhTRLimit   = abi.BundleOffTRLimit
	bhCSSel     = abi.BundleOffCSSel
	bhDataSel   = abi.BundleOffDataSel
	bhTRSel     = abi.BundleOffTRSel
	bhCSAR      = abi.BundleOffCSAR
	bhDataAR    = abi.BundleOffDataAR
	bhTRAR      = abi.BundleOffTRAR
	bhParams    = abi.BundleOffParams // u64 count, then {name[48], u64 value}
	bhNames     = abi.BundleOffNames  // view names: BundleMaxViews x name[48]
)

// accessRights encodes a segment in the VMCS access-rights format (SDM
// Vol. 3C, 24.4.1): type, S, DPL, P, AVL, L, D/B, G, unusable.
func accessRights(s Segment) uint64 {
	ar := uint64(s.Typ&0xf) | uint64(s.S&1)<<4 | uint64(s.DPL&3)<<5 | uint64(s.Present&1)<<7 |
		uint64(s.AVL&1)<<12 | uint64(s.L&1)<<13 | uint64(s.DB&1)<<14 | uint64(s.G&1)<<15
	if s.Unusable != 0 {
		ar |= 1 << 16
	}
	return ar
}

// BundleOptions are what a bundle carries besides the image.
type BundleOptions struct {
	Params map[string]int64 // what the workload's plib_param reads
	// Fault builds a deliberately broken bundle, to prove the hypervisor
	// mode's error handling: BundleFaultEPTPEntry corrupts the EPTP-list
	// entry of view 1; BundleFaultNoGatePage leaves the gate-in page out of
	// the application's view (as the emulated-switch views do), so its
	// VMFUNC's fetch cannot complete.
	Fault string
}

// Faults BuildBundle can plant.
const (
	BundleFaultEPTPEntry  = "eptp-entry"
	BundleFaultNoGatePage = "no-gate-page"
)

// BuildBundle lays img out as the vmfunc backend does (with gate and the
// supervisor sup), derives hardware-mode views, emits their EPT and
// returns the bundle.
func BuildBundle(img *image.Image, gate, sup []byte, opts BundleOptions) ([]byte, error) {
	params := opts.Params
	if img.Apps > 1 {
		return nil, fmt.Errorf("the image asks for %d application instances; the hypervisor mode runs one", img.Apps)
	}
	layout, err := NewLayout(img, sup)
	if err != nil {
		return nil, err
	}
	domains := []int{0}
	for _, d := range img.Libraries() {
		domains = append(domains, d.ID)
	}
	build := eptviews.BuildHardware
	switch opts.Fault {
	case "", BundleFaultEPTPEntry:
	case BundleFaultNoGatePage:
		build = eptviews.Build
	default:
		return nil, fmt.Errorf("unknown bundle fault %q (%s or %s)", opts.Fault, BundleFaultEPTPEntry, BundleFaultNoGatePage)
	}
	views, err := build(layout.Regions, domains)
	if err != nil {
		return nil, err
	}
	if len(views) > BundleMaxViews {
		return nil, fmt.Errorf("%d views: the bundle holds %d", len(views), BundleMaxViews)
	}
	mem, err := newGuestMemory(img, views)
	if err != nil {
		return nil, err
	}
	defer mem.close()
	mem.load(img, layout, gate, 0)
	backing := func(view int, gpa uint64) uint64 {
		off, ok := mem.offset(view, gpa)
		if !ok {
			panic(fmt.Sprintf("vmm: view %d maps %#x, which has no backing", view, gpa))
		}
		return BundleGuestHPA + off
	}
	ept, err := eptviews.BuildEPT(views, BundleEPTHPA, backing)
	if err != nil {
		return nil, err
	}
	if opts.Fault == BundleFaultEPTPEntry && len(views) > 1 {
		// Memory type 7 is reserved: VMFUNC must refuse this entry.
		list := ept.Pages[(ept.ListPage-ept.Base)/abi.PageSize]
		binary.LittleEndian.PutUint64(list[8:], ept.EPTPs[1]|7)
	}
	if BundleEPTHPA+uint64(len(ept.Pages))*abi.PageSize > BundleGuestHPA {
		return nil, fmt.Errorf("the EPT (%d pages) would overlap guest memory", len(ept.Pages))
	}
	if len(params) > BundleMaxParams {
		return nil, fmt.Errorf("%d parameters: the bundle holds %d", len(params), BundleMaxParams)
	}

	var s Sregs
	userSregs(&s)
	h := make([]byte, BundleHeader)
	put := func(off int, v uint64) { binary.LittleEndian.PutUint64(h[off:], v) }
	put(bhMagic, BundleMagic)
	put(bhGuestHPA, BundleGuestHPA)
	put(bhGuestSize, uint64(len(mem.buf)))
	put(bhEPTHPA, BundleEPTHPA)
	put(bhEPTPages, uint64(len(ept.Pages)))
	put(bhEPTPList, ept.ListPage)
	put(bhViews, uint64(len(views)))
	put(bhRIP, img.Entry)
	put(bhRSP, img.Domains[0].Stack.End())
	put(bhRFLAGS, 2)
	put(bhCR0, s.CR0)
	put(bhCR3, s.CR3)
	put(bhCR4, s.CR4)
	put(bhEFER, s.EFER)
	put(bhGDTBase, s.GDT.Base)
	put(bhGDTLimit, uint64(s.GDT.Limit))
	put(bhIDTBase, s.IDT.Base)
	put(bhIDTLimit, uint64(s.IDT.Limit))
	put(bhTRBase, s.TR.Base)
	put(bhTRLimit, uint64(s.TR.Limit))
	put(bhCSSel, uint64(s.CS.Selector))
	put(bhDataSel, uint64(s.DS.Selector))
	put(bhTRSel, uint64(s.TR.Selector))
	put(bhCSAR, accessRights(s.CS))
	put(bhDataAR, accessRights(s.DS))
	put(bhTRAR, accessRights(s.TR))
	names := make([]string, 0, len(params))
	for k := range params {
		if len(k) == 0 || len(k) >= BundleNameBytes {
			return nil, fmt.Errorf("parameter name %q: 1 to %d bytes", k, BundleNameBytes-1)
		}
		names = append(names, k)
	}
	sort.Strings(names)
	put(bhParams, uint64(len(names)))
	for i, k := range names {
		off := bhParams + 8 + i*abi.BundleParamBytes
		copy(h[off:off+BundleNameBytes], k)
		put(off+BundleNameBytes, uint64(params[k]))
	}
	for id := range views {
		n := domainName(img, id)
		if len(n) >= BundleNameBytes {
			n = n[:BundleNameBytes-1]
		}
		copy(h[bhNames+id*BundleNameBytes:], n)
	}
	out := make([]byte, 0, BundleHeader+len(mem.buf)+len(ept.Pages)*abi.PageSize)
	out = append(out, h...)
	out = append(out, mem.buf...)
	for _, p := range ept.Pages {
		out = append(out, p...)
	}
	return out, nil
}
