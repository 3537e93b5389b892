package vmm

import (
	"encoding/binary"
	"fmt"
	"plib/backend"
	"sort"

	"plib/caps"
	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
	"plib/vmm/hvmode"
)

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

// BuildBundle lays img out as New does (with gate and the
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
	if len(views) > hvmode.MaxViews {
		return nil, fmt.Errorf("%d views: the bundle holds %d", len(views), hvmode.MaxViews)
	}
	mem, err := newGuestMemory(img, views, nil)
	if err != nil {
		return nil, err
	}
	defer mem.close()
	mem.load(img, layout, gate, 0, 0) // the feature word: written by the hypervisor (xfeat_hpa below)
	// Every domain's TLS block head, as for a run (its canary is drawn
	// when the bundle is built: a bundle is one run's memory).
	if err := backend.PlaceTLS(img, false, nil, func(addr uint64, h []byte) { mem.write(0, addr, h) }); err != nil {
		return nil, err
	}
	backing := func(view int, gpa uint64) uint64 {
		off, ok := mem.offset(view, gpa)
		if !ok {
			panic(fmt.Sprintf("vmm: view %d maps %#x, which has no backing", view, gpa))
		}
		return hvmode.GuestHPA + off
	}
	ept, err := eptviews.BuildEPT(views, hvmode.EPTHPA, backing)
	if err != nil {
		return nil, err
	}
	if opts.Fault == BundleFaultEPTPEntry && len(views) > 1 {
		// Memory type 7 is reserved: VMFUNC must refuse this entry.
		list := ept.Pages[(ept.ListPage-ept.Base)/abi.PageSize]
		binary.LittleEndian.PutUint64(list[8:], ept.EPTPs[1]|7)
	}
	if hvmode.EPTHPA+uint64(len(ept.Pages))*abi.PageSize > hvmode.GuestHPA {
		return nil, fmt.Errorf("the EPT (%d pages) would overlap guest memory", len(ept.Pages))
	}
	if len(params) > hvmode.MaxParams {
		return nil, fmt.Errorf("%d parameters: the bundle holds %d", len(params), hvmode.MaxParams)
	}

	var s Sregs
	userSregs(&s, 0, false) // the hypervisor mode sets CR4.FSGSBASE itself
	h := make([]byte, hvmode.Header)
	put := func(off int, v uint64) { binary.LittleEndian.PutUint64(h[off:], v) }
	put(hvmode.OffMagic, hvmode.Magic)
	put(hvmode.OffGuestHPA, hvmode.GuestHPA)
	put(hvmode.OffGuestSize, uint64(len(mem.buf)))
	put(hvmode.OffEPTHPA, hvmode.EPTHPA)
	put(hvmode.OffEPTPages, uint64(len(ept.Pages)))
	put(hvmode.OffEPTPList, ept.ListPage)
	put(hvmode.OffViews, uint64(len(views)))
	put(hvmode.OffRIP, img.Entry)
	put(hvmode.OffRSP, img.Domains[0].Stack.End())
	put(hvmode.OffRFLAGS, 2)
	put(hvmode.OffCR0, s.CR0)
	put(hvmode.OffCR3, s.CR3)
	put(hvmode.OffCR4, s.CR4)
	put(hvmode.OffEFER, s.EFER)
	put(hvmode.OffGDTBase, s.GDT.Base)
	put(hvmode.OffGDTLimit, uint64(s.GDT.Limit))
	put(hvmode.OffIDTBase, s.IDT.Base)
	put(hvmode.OffIDTLimit, uint64(s.IDT.Limit))
	put(hvmode.OffTRBase, s.TR.Base)
	put(hvmode.OffTRLimit, uint64(s.TR.Limit))
	put(hvmode.OffCSSel, uint64(s.CS.Selector))
	put(hvmode.OffDataSel, uint64(s.DS.Selector))
	put(hvmode.OffTRSel, uint64(s.TR.Selector))
	put(hvmode.OffCSAR, hvmode.AccessRights(s.CS))
	put(hvmode.OffDataAR, hvmode.AccessRights(s.DS))
	put(hvmode.OffTRAR, hvmode.AccessRights(s.TR))
	names := make([]string, 0, len(params))
	for k := range params {
		if len(k) == 0 || len(k) >= hvmode.NameBytes {
			return nil, fmt.Errorf("parameter name %q: 1 to %d bytes", k, hvmode.NameBytes-1)
		}
		names = append(names, k)
	}
	sort.Strings(names)
	put(hvmode.OffParams, uint64(len(names)))
	for i, k := range names {
		off := hvmode.OffParams + 8 + i*hvmode.ParamBytes
		copy(h[off:off+hvmode.NameBytes], k)
		put(off+hvmode.NameBytes, uint64(params[k]))
	}
	for id := range views {
		n := domainName(img, id)
		if len(n) >= hvmode.NameBytes {
			n = n[:hvmode.NameBytes-1]
		}
		copy(h[hvmode.OffNames+id*hvmode.NameBytes:], n)
	}
	// The hypervisor enables what of this XCR0 its CPU has and writes the
	// matching feature word into each view's header page.
	put(hvmode.OffXCR0Max, caps.XCR0Guest)
	for id, v := range views {
		if v != nil {
			put(hvmode.OffXFeatHPA+8*id, backing(id, abi.GateData+abi.HdrXFeat))
		}
	}
	out := make([]byte, 0, hvmode.Header+len(mem.buf)+len(ept.Pages)*abi.PageSize)
	out = append(out, h...)
	out = append(out, mem.buf...)
	for _, p := range ept.Pages {
		out = append(out, p...)
	}
	return out, nil
}
