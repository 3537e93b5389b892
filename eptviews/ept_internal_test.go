package eptviews

import (
	"strings"
	"testing"
)

func TestBuildEPTRefusesBadInput(t *testing.T) {
	vs, err := Build(layout(), []int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	id := func(view int, gpa uint64) uint64 { return gpa }
	if _, err := BuildEPT(vs, 0x1001, id); err == nil {
		t.Error("an unaligned EPT base was accepted")
	}
	vs[1].Mappings = append(vs[1].Mappings, vs[1].Mappings[0]) // the same page twice
	if _, err := BuildEPT(vs, 0x100000, id); err == nil || !strings.Contains(err.Error(), "mapped twice") {
		t.Errorf("double mapping: %v", err)
	}
}

func TestEPTLargePagesNeedContiguousBacking(t *testing.T) {
	big := []Region{
		{Name: "gate", Kind: Gate, GPA: 0x3ffff000, Size: 0x1000},
		{Name: "gate-out", Kind: GateOut, GPA: 0x40002000, Size: 0x1000},
		{Name: "header", Kind: GateHeader, GPA: 0x40001000, Size: 0x1000},
		{Name: "entries", Kind: GateEntries, GPA: 0x40003000, Size: 0x1000},
		{Name: "app.data", Owner: 0, Kind: Data, GPA: 0x40400000, Size: 4 << 20},
	}
	vs, err := Build(big, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := BuildEPT(vs, 0x100000, func(v int, gpa uint64) uint64 { return gpa })
	if _, large := e.Leaves(0); large != 2 {
		t.Errorf("%d large pages for 4 MiB of aligned, contiguous data; want 2", large)
	}
	// Backing that jumps inside each 2 MiB forbids large pages.
	e, _ = BuildEPT(vs, 0x100000, func(v int, gpa uint64) uint64 { return gpa ^ 0x1000 })
	if small, large := e.Leaves(0); large != 0 || small < 1024 {
		t.Errorf("scattered backing: %d small, %d large pages", small, large)
	}
	if hpa, _, _, _, ok := e.Walk(0, 0x40400000); !ok || hpa != 0x40401000 {
		t.Errorf("walk through scattered backing: %#x %v", hpa, ok)
	}
}
