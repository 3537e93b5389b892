package report

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestDotChartLogScaleDespiteNaN: a ratio chart has no bars (NaN bounds)
// and missing cells (NaN values); its 1 to 90,000x range must still be
// drawn on a log scale.
func TestDotChartLogScaleDespiteNaN(t *testing.T) {
	nan := math.NaN()
	series := []dotSeries{
		{col: "mprotect", name: "mprotect", val: []float64{1.5, 90000, nan}, low: []float64{nan, nan, nan}, upp: []float64{nan, nan, nan}},
		{col: "vmfunc", name: "vmfunc", val: []float64{nan, 300, 20000}, low: []float64{nan, nan, nan}, upp: []float64{nan, nan, nan}},
	}
	c, err := dotChart("t", "t", axisSpec{label: "x none", format: tickRatio}, []string{"a", "b", "c"}, series, (&Report{}).styleOf, true, true, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !c.log || !strings.Contains(c.SVG, "log scale") {
		t.Error("a 1 to 90,000x range with NaN bounds is drawn on a linear axis")
	}
	narrow := []dotSeries{{col: "none", name: "none", val: []float64{10, 12}, low: []float64{nan, 9}, upp: []float64{nan, 14}}}
	if c, err := dotChart("t", "t", axisSpec{label: "ns", format: tickNS}, []string{"a", "b"}, narrow, (&Report{}).styleOf, true, true, 0); err != nil || c.log {
		t.Errorf("a narrow range: log %v, %v", c.log, err)
	}
}

// TestBackendStylesAreStable: a backend is drawn alike in every chart,
// whatever the other columns, and backends are told apart by marker too.
func TestBackendStylesAreStable(t *testing.T) {
	r := load(t, "quick.json")
	seen := map[string]string{}
	for _, c := range r.Columns() {
		st := r.styleOf(c)
		key := fmt.Sprintf("%T", st.shape)
		if other, dup := seen[key]; dup {
			t.Errorf("%s and %s share the marker %s", c, other, key)
		}
		seen[key] = c
	}
	a, b := (&Report{}).styleOf("newbackend"), (&Report{}).styleOf("newbackend")
	if a.color != b.color || a.shape != b.shape {
		t.Error("an unknown backend's style is not stable")
	}
}
