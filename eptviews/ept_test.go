package eptviews_test

import (
	"encoding/binary"
	"testing"

	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/guestbin"
	"plib/internal/testimages"
	"plib/vmm"
)

// backing puts guest memory at 4 GiB up, and each view's header page on a
// page of its own, as a hypervisor would.
func backing(view int, gpa uint64) uint64 {
	if gpa >= abi.GateData && gpa < abi.GateData+abi.PageSize {
		return 0x2_0000_0000 + uint64(view)*abi.PageSize + gpa - abi.GateData
	}
	return 0x1_0000_0000 + gpa
}

// TestEPTRoundTrips builds the EPT of every view of every workload image
// and walks every page of every mapping back: same host page, read
// always, write and execute exactly as the view says; a page of any other
// domain's private memory does not translate.
func TestEPTRoundTrips(t *testing.T) {
	for _, name := range []string{"null", "kv", "kv-hostile", "ipc", "lib-crash", "signal-call", "attack-read", "attack-hang"} {
		t.Run(name, func(t *testing.T) {
			img, err := image.Load(testimages.Path(t, name))
			if err != nil {
				t.Fatal(err)
			}
			_, views, err := vmm.BuildViews(img, guestbin.Supervisor)
			if err != nil {
				t.Fatal(err)
			}
			e, err := eptviews.BuildEPT(views, 0x8000_0000, backing)
			if err != nil {
				t.Fatal(err)
			}
			for id, v := range views {
				if v == nil {
					if e.EPTPs[id] != 0 {
						t.Errorf("EPTP for missing view %d", id)
					}
					continue
				}
				list := e.Pages[(e.ListPage-e.Base)/abi.PageSize]
				if got := binary.LittleEndian.Uint64(list[8*id:]); got != e.EPTPs[id] || got&0x3f != 0x1e {
					t.Errorf("EPTP list entry %d = %#x (EPTP %#x): want WB, 4-level", id, got, e.EPTPs[id])
				}
				for _, m := range v.Mappings {
					for gpa := m.GPA; gpa < m.End(); gpa += abi.PageSize {
						hpa, r, w, x, ok := e.Walk(id, gpa+0x123)
						if !ok || hpa != backing(id, gpa)+0x123 || !r || w != m.Writable || x != m.Executable {
							t.Fatalf("view %d %s %#x: walk gives %#x r%v w%v x%v ok%v", id, m.Name, gpa, hpa, r, w, x, ok)
						}
					}
				}
				// Every other domain's private pages are absent.
				for other, ov := range views {
					if ov == nil || other == id {
						continue
					}
					for _, m := range ov.Mappings {
						if (m.Kind == eptviews.Text || m.Kind == eptviews.Data || m.Kind == eptviews.Stack) && m.Owner != id {
							if _, _, _, _, ok := e.Walk(id, m.GPA); ok {
								t.Errorf("view %d translates %s of domain %d", id, m.Name, m.Owner)
							}
						}
					}
				}
				for _, gpa := range []uint64{0, 0x200000, abi.ImageLimit, 1 << 40} {
					if _, _, _, _, ok := e.Walk(id, gpa); ok {
						t.Errorf("view %d translates unmapped %#x", id, gpa)
					}
				}
			}
			if name == "kv" {
				if _, large := e.Leaves(1); large == 0 {
					t.Error("kv's 32 MiB heap is not mapped with 2 MiB pages")
				}
			}
		})
	}
}
