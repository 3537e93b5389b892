package report

import (
	"fmt"
	"testing"

	"plib/backend"
)

// TestStylesAreDistinct: every entry of the style table differs from
// every other in colour and in marker, so the six backends of this tree
// (each declaring its entry when it registers), a seventh added later
// and the baseline are told apart in colour and in greyscale.
func TestStylesAreDistinct(t *testing.T) {
	all := append(append([]seriesStyle(nil), styles...), baselineStyle)
	if len(styles) < int(backend.StyleNext) {
		t.Fatalf("%d styles, fewer than the %d backends declare", len(styles), backend.StyleNext)
	}
	for i, a := range all {
		for j, b := range all[:i] {
			if a.color == b.color {
				t.Errorf("styles %d and %d share the colour %v", i+1, j+1, a.color)
			}
			if fmt.Sprintf("%T", a.shape) == fmt.Sprintf("%T", b.shape) {
				t.Errorf("styles %d and %d share the marker %T", i+1, j+1, a.shape)
			}
		}
	}
}

// TestColumnsTakeTheirDeclaredStyles: a report draws each column in the
// style its backend declared, whatever the other columns are; columns
// with no declared style (a report from before styles were recorded)
// take styles no other column of the report has.
func TestColumnsTakeTheirDeclaredStyles(t *testing.T) {
	names := []string{"vmfunc", "handoff", "pku", "mprotect", "process", "none", "seventh"}
	decl := []backend.Style{backend.StyleVMFunc, backend.StyleHandoff, backend.StylePKU, backend.StyleMprotect, backend.StyleProcess, backend.StyleNone, backend.StyleNext}
	mk := func(declared bool, cols ...int) *Report {
		r := &Report{Machines: []Machine{{Label: "m"}}}
		for _, i := range cols {
			mech := backend.Mechanism{Backend: names[i], Mode: backend.Hardware}
			if declared {
				mech.Style = decl[i]
			}
			r.Machines[0].Mechanisms = append(r.Machines[0].Mechanisms, mech)
			r.Series = append(r.Series, Series{Machine: "m", Backend: names[i], Workload: "null", Metric: "call"})
		}
		return r
	}
	all := mk(true, 0, 1, 2, 3, 4, 5, 6)
	for i, n := range names {
		if got, want := all.styleOf(n), styles[decl[i]-1]; got.color != want.color || got.shape != want.shape {
			t.Errorf("%s drawn in %v/%T, declared %v/%T", n, got.color, got.shape, want.color, want.shape)
		}
		if got := mk(true, i).styleOf(n); got.color != all.styleOf(n).color {
			t.Errorf("%s alone is drawn otherwise than beside the others", n)
		}
	}
	old := mk(false, 0, 1, 2, 3, 4, 5, 6)
	seen := map[string]string{}
	for _, n := range names {
		st := old.styleOf(n)
		for _, k := range []string{fmt.Sprint(st.color), fmt.Sprintf("%T", st.shape)} {
			if other, dup := seen[k]; dup {
				t.Errorf("undeclared %s and %s share %s", n, other, k)
			}
			seen[k] = n
		}
	}
}
