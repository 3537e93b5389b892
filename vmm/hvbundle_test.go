package vmm

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"plib/backend"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/guestbin"
	"plib/internal/testimages"
	"plib/vmm/hvmode"
)

// bundleWalk translates gpa through the EPT stored in a bundle, as the
// hypervisor mode's CPU would (4 levels, 2 MiB leaves), returning the
// guest-memory offset behind it and its rights.
func bundleWalk(t *testing.T, b []byte, view int, gpa uint64) (off uint64, w, x, ok bool) {
	le := binary.LittleEndian
	guestSize := le.Uint64(b[hvmode.OffGuestSize:])
	eptHPA := le.Uint64(b[hvmode.OffEPTHPA:])
	ept := b[hvmode.Header+guestSize:]
	word := func(hpa uint64) uint64 { return le.Uint64(ept[hpa-eptHPA:]) }
	e := word(le.Uint64(b[hvmode.OffEPTPList:]) + 8*uint64(view))
	table := e &^ 0xfff
	for level := 3; level >= 0; level-- {
		e = word(table + 8*((gpa>>(12+9*uint(level)))&511))
		if e&1 == 0 {
			return 0, false, false, false
		}
		if level == 1 && e&(1<<7) != 0 {
			return (e &^ 0x1fffff &^ (0xfff << 52)) + gpa&0x1fffff - hvmode.GuestHPA, e&2 != 0, e&4 != 0, true
		}
		table = e & 0x000ffffffffff000
	}
	return table + gpa&0xfff - hvmode.GuestHPA, e&2 != 0, e&4 != 0, true
}

// TestBundleMapsTheViews: the bundle's EPT, walked as the CPU would,
// maps every gate page in every view (hardware mode), the app's text in
// the app's view only, the library's data in its own view only, and the
// bytes behind each mapping are the image's.
func TestBundleMapsTheViews(t *testing.T) {
	p := testimages.Path(t, "null")
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{Params: map[string]int64{"iterations": 7}})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if le.Uint64(b[hvmode.OffMagic:]) != hvmode.Magic || le.Uint64(b[hvmode.OffViews:]) != 2 || le.Uint64(b[hvmode.OffRIP:]) != img.Entry {
		t.Fatalf("header: magic %#x views %d rip %#x", le.Uint64(b[hvmode.OffMagic:]), le.Uint64(b[hvmode.OffViews:]), le.Uint64(b[hvmode.OffRIP:]))
	}
	if le.Uint64(b[hvmode.OffParams:]) != 1 || !strings.HasPrefix(string(b[hvmode.OffParams+8:]), "iterations\x00") || le.Uint64(b[hvmode.OffParams+8+hvmode.NameBytes:]) != 7 {
		t.Error("the parameter is not in the bundle")
	}
	if !strings.HasPrefix(string(b[hvmode.OffNames+hvmode.NameBytes:]), "null\x00") {
		t.Error("view 1 is not named after its library")
	}
	guest := b[hvmode.Header:]
	for view := 0; view < 2; view++ {
		for _, gpa := range []uint64{abi.GatePage, abi.GateIn, abi.GateOut} {
			off, w, x, ok := bundleWalk(t, b, view, gpa)
			if !ok || w || !x || !bytes.Equal(guest[off:off+16], guestbin.GateVMFUNC[gpa-abi.GatePage:][:16]) {
				t.Errorf("view %d: gate page %#x: mapped %v w %v x %v", view, gpa, ok, w, x)
			}
		}
	}
	app, lib := img.Domains[0], img.Libraries()[0]
	if _, _, x, ok := bundleWalk(t, b, 0, app.Text.Addr); !ok || !x {
		t.Error("the app's text is not executable in its view")
	}
	if _, _, _, ok := bundleWalk(t, b, 1, app.Text.Addr); ok {
		t.Error("the library's view maps the app's text")
	}
	if _, _, _, ok := bundleWalk(t, b, 0, lib.Data.Addr); ok {
		t.Error("the app's view maps the library's data")
	}
	off, w, x, ok := bundleWalk(t, b, 1, lib.Data.Addr)
	if !ok || !w || x {
		t.Fatalf("the library's data in its view: mapped %v w %v x %v", ok, w, x)
	}
	// The image's bytes, but for the TLS block's head (its self pointer and
	// this bundle's canary), which the loader writes.
	for _, s := range img.Sections {
		if s.Addr != lib.Data.Addr || s.Data == nil || len(s.Data) < backend.TLSHeadBytes {
			continue
		}
		h := guest[off : off+backend.TLSHeadBytes]
		if le.Uint64(h[abi.TLSSelf:]) != lib.TLS() || le.Uint64(h[abi.TLSCanary:]) == 0 {
			t.Errorf("the library's TLS block head in the bundle: self %#x canary %#x, want self %#x and a canary", le.Uint64(h[abi.TLSSelf:]), le.Uint64(h[abi.TLSCanary:]), lib.TLS())
		}
		if n := uint64(len(s.Data)); !bytes.Equal(guest[off+backend.TLSHeadBytes:off+n], s.Data[backend.TLSHeadBytes:]) {
			t.Error("the bytes behind the library's data are not the image's")
		}
	}
	// The header pages differ per view: each says which view it is.
	h0, _, _, _ := bundleWalk(t, b, 0, abi.GateData)
	h1, _, _, _ := bundleWalk(t, b, 1, abi.GateData)
	if h0 == h1 || le.Uint64(guest[h1+abi.HdrView:]) != 1 || le.Uint64(guest[h0+abi.HdrView:]) != 0 {
		t.Error("the views share one header page")
	}
}

func TestBundleFaults(t *testing.T) {
	img, err := image.Load(testimages.Path(t, "null"))
	if err != nil {
		t.Fatal(err)
	}
	good, _ := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{})
	bad, err := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{Fault: BundleFaultEPTPEntry})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	listAt := func(b []byte) uint64 {
		return hvmode.Header + le.Uint64(b[hvmode.OffGuestSize:]) + le.Uint64(b[hvmode.OffEPTPList:]) - hvmode.EPTHPA
	}
	if e := le.Uint64(bad[listAt(bad)+8:]); e&7 != 7 || le.Uint64(good[listAt(good)+8:])&7 != 6 {
		t.Errorf("EPTP entry 1: %#x", e)
	}
	nogate, err := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{Fault: BundleFaultNoGatePage})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := bundleWalk(t, nogate, 0, abi.GateIn); ok {
		t.Error("no-gate-page still maps the gate-in page in the app's view")
	}
	if _, err := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{Fault: "nope"}); err == nil {
		t.Error("an unknown fault was accepted")
	}
	many := map[string]int64{}
	for i := 0; i <= hvmode.MaxParams; i++ {
		many[string(rune('a'+i))] = 1
	}
	if _, err := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{Params: many}); err == nil {
		t.Error("too many parameters were accepted")
	}
}
