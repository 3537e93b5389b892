package eptviews

import (
	"strings"
	"testing"
)

// layout: app (0) and two libraries (1, 2).
func layout() []Region {
	return []Region{
		{Name: "tables", Kind: Supervisor, GPA: 0x100000, Size: 0x3000},
		{Name: "sup-code", Kind: SupervisorCode, GPA: 0x103000, Size: 0x1000},
		{Name: "sup-stack", Kind: SupervisorStack, GPA: 0x104000, Size: 0x4000},
		{Name: "gate", Kind: Gate, GPA: 0x3ffff000, Size: 0x1000},
		{Name: "gate-in", Kind: GateIn, GPA: 0x40000000, Size: 0x1000},
		{Name: "gate-out", Kind: GateOut, GPA: 0x40002000, Size: 0x1000},
		{Name: "header", Kind: GateHeader, GPA: 0x40001000, Size: 0x1000},
		{Name: "entries", Kind: GateEntries, GPA: 0x40003000, Size: 0x1000},
		{Name: "app.text", Owner: 0, Kind: Text, GPA: 0x40004000, Size: 0x1000},
		{Name: "app.data", Owner: 0, Kind: Data, GPA: 0x40005000, Size: 0x1000},
		{Name: "app.stack", Owner: 0, Kind: Stack, GPA: 0x4000f000, Size: 0x1000},
		{Name: "a.text", Owner: 1, Kind: Text, GPA: 0x40006000, Size: 0x1000},
		{Name: "a.data", Owner: 1, Kind: Data, GPA: 0x40007000, Size: 0x2000},
		{Name: "a.stack", Owner: 1, Kind: Stack, GPA: 0x40009000, Size: 0x1000},
		{Name: "a.args", Owner: 1, Kind: Args, GPA: 0x4000a000, Size: 0x1000},
		{Name: "b.text", Owner: 2, Kind: Text, GPA: 0x4000b000, Size: 0x1000},
		{Name: "b.data", Owner: 2, Kind: Data, GPA: 0x4000c000, Size: 0x1000},
		{Name: "b.stack", Owner: 2, Kind: Stack, GPA: 0x4000d000, Size: 0x1000},
		{Name: "b.args", Owner: 2, Kind: Args, GPA: 0x4000e000, Size: 0x1000},
	}
}

func names(v *View) map[string]Mapping {
	out := map[string]Mapping{}
	for _, m := range v.Mappings {
		out[m.Name] = m
	}
	return out
}

func TestBuildViews(t *testing.T) {
	vs, err := Build(layout(), []int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	app, a, b := names(vs[0]), names(vs[1]), names(vs[2])
	for _, n := range []string{"a.text", "a.data", "a.stack", "b.text", "b.data", "b.stack"} {
		if _, ok := app[n]; ok {
			t.Errorf("the app's view maps library page %s", n)
		}
	}
	for _, n := range []string{"app.text", "app.data", "app.stack", "b.data", "b.args", "b.text"} {
		if _, ok := a[n]; ok {
			t.Errorf("library a's view maps %s", n)
		}
	}
	if _, ok := app["gate-in"]; ok {
		t.Error("the app's view maps the gate-in page: its VMFUNC would not exit")
	}
	if _, ok := a["gate-out"]; ok {
		t.Error("a library view maps the gate-out page")
	}
	for _, n := range []string{"gate", "gate-in", "header", "entries", "a.text", "a.data", "a.stack", "a.args", "sup-code"} {
		if _, ok := a[n]; !ok {
			t.Errorf("library a's view lacks %s", n)
		}
	}
	if !app["a.args"].Writable || !app["b.args"].Writable || !b["b.args"].Writable {
		t.Error("argument areas must be writable by the app and their library")
	}
	if app["gate"].Writable || !app["gate"].Executable || a["a.text"].Writable || !a["a.text"].Executable {
		t.Error("code must be read+execute")
	}
	if a["a.data"].Executable {
		t.Error("data must not be executable")
	}
	if m, ok := vs[0].Lookup(0x40007000 + 0x10); ok {
		t.Errorf("app view lookup of a library page found %s", m.Name)
	}
	if m, ok := vs[1].Lookup(0x40007fff); !ok || m.Name != "a.data" {
		t.Errorf("lookup inside a.data: %v %v", m.Name, ok)
	}
}

// TestCheckCatchesBrokenViews breaks one invariant at a time in views
// Build produced and expects Check to name it.
func TestCheckCatchesBrokenViews(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(vs Views)
		want   string
	}{
		{"library page in the app's view", func(vs Views) {
			m := vs[1].Mappings[len(vs[1].Mappings)-2] // a library-private mapping
			vs[0].Mappings = append(vs[0].Mappings, m)
		}, "private to domain 1"},
		{"writable gate", func(vs Views) { setW(vs[1], "gate") }, "gate gate"},
		{"writable and executable", func(vs Views) { setW(vs[0], "app.text") }, "writable and executable"},
		{"page writable in two views", func(vs Views) {
			for i := range vs[1].Mappings {
				if vs[1].Mappings[i].Name == "tables" {
					vs[1].Mappings[i].Writable = true
				}
			}
		}, "trusted pages never are"},
		{"another library's argument area", func(vs Views) {
			for _, m := range vs[2].Mappings {
				if m.Name == "b.args" {
					vs[1].Mappings = append(vs[1].Mappings, m)
				}
			}
		}, "belongs to library 2"},
		{"view without its argument area", func(vs Views) { drop(vs[2], "b.args") }, "lacks its argument area"},
		{"view without the gate", func(vs Views) { drop(vs[1], "gate") }, "lacks the gate page"},
		{"library view without gate-in", func(vs Views) { drop(vs[2], "gate-in") }, "lacks the gate-in page"},
		{"app view without gate-out", func(vs Views) { drop(vs[0], "gate-out") }, "lacks the gate-out page"},
		{"overlapping mappings", func(vs Views) {
			m := vs[0].Mappings[0]
			m.Name = "dup"
			vs[0].Mappings = append([]Mapping{m}, vs[0].Mappings...)
		}, "overlaps"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs, err := Build(layout(), []int{0, 1, 2})
			if err != nil {
				t.Fatal(err)
			}
			c.break_(vs)
			err = vs.Check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Check() = %v, want an error saying %q", err, c.want)
			}
		})
	}
}

func TestDataWritableInTwoViewsIsRefused(t *testing.T) {
	vs, _ := Build(layout(), []int{0, 1, 2})
	// Give library 2's view library 2's data twice under another owner tag
	// would be caught as private; instead share a writable page by
	// claiming it is app data in two views.
	m := Mapping{Region: Region{Name: "shared", Owner: 0, Kind: Data, GPA: 0x40020000, Size: 0x1000}, Writable: true}
	vs[0].Mappings = append(vs[0].Mappings, m)
	m.Owner = 2
	vs[2].Mappings = append(vs[2].Mappings, m)
	if err := vs.Check(); err == nil || !strings.Contains(err.Error(), "writable in views [0 2]") {
		t.Fatalf("Check() = %v", err)
	}
}

func TestBuildRefusesBadRegions(t *testing.T) {
	l := append(layout(), Region{Name: "odd", Kind: Data, GPA: 0x40030010, Size: 0x1000})
	if _, err := Build(l, []int{0, 1, 2}); err == nil || !strings.Contains(err.Error(), "not whole pages") {
		t.Errorf("unaligned region: %v", err)
	}
	if _, err := Build(layout(), []int{1, 2}); err == nil {
		t.Error("no application domain accepted")
	}
}

func setW(v *View, name string) {
	for i := range v.Mappings {
		if v.Mappings[i].Name == name {
			v.Mappings[i].Writable = true
		}
	}
}

func drop(v *View, name string) {
	var out []Mapping
	for _, m := range v.Mappings {
		if m.Name != name {
			out = append(out, m)
		}
	}
	v.Mappings = out
}

// TestRequestSlotsReachTheirTwoEndsOnly: a request slot (handoff) is
// mapped writable by its caller and its library and by no third view;
// Check refuses one that reaches a third view or runs to the app.
func TestRequestSlotsReachTheirTwoEndsOnly(t *testing.T) {
	regions := append(layout(),
		Region{Name: "req 0->1", Owner: 1, Peer: 0, Kind: Request, GPA: 0x60000000 + 1*PageSize, Size: PageSize},
		Region{Name: "req 1->2", Owner: 2, Peer: 1, Kind: Request, GPA: 0x60000000 + 10*PageSize, Size: PageSize})
	vs, err := Build(regions, []int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	for view, want := range map[int][]string{0: {"req 0->1"}, 1: {"req 0->1", "req 1->2"}, 2: {"req 1->2"}} {
		got := names(vs[view])
		for _, n := range want {
			if m, ok := got[n]; !ok || !m.Writable || m.Executable {
				t.Errorf("view %d: %s mapped %v (%+v), want writable data", view, n, ok, m)
			}
		}
	}
	if _, ok := names(vs[0])["req 1->2"]; ok {
		t.Error("the app's view maps the slot between two libraries")
	}
	if _, ok := names(vs[2])["req 0->1"]; ok {
		t.Error("library 2's view maps the app's slot to library 1")
	}
	third := Mapping{Region: regions[len(regions)-1], Writable: true}
	vs[0].Mappings = append(vs[0].Mappings, third)
	if err := vs.Check(); err == nil || !strings.Contains(err.Error(), "request slot from domain 1 to library 2 only") {
		t.Fatalf("Check() with a third view on a slot = %v", err)
	}
	if _, err := Build(append(layout(), Region{Name: "req 1->0", Owner: 0, Peer: 1, Kind: Request, GPA: 0x60000000, Size: PageSize}), []int{0, 1, 2}); err == nil {
		t.Fatal("Build accepted a request slot into the application")
	}
}
