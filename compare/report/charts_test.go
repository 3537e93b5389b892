package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"plib/backend"
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

// svgText is what TestChartTextReadableInAColumn reads of a chart: its
// width in its own units, and every text's font size and content.
type svgText struct {
	width float64
	sizes []float64
	texts []string
}

func parseSVG(t *testing.T, svg string) svgText {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out svgText
	sizeRE := regexp.MustCompile(`font-size:\s*([0-9.]+)px`)
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart's SVG does not parse: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			for _, a := range e.Attr {
				if e.Name.Local == "svg" && a.Name.Local == "viewBox" {
					f := strings.Fields(a.Value)
					if len(f) == 4 {
						out.width, _ = strconv.ParseFloat(f[2], 64)
					}
				}
				if a.Name.Local == "style" {
					if m := sizeRE.FindStringSubmatch(a.Value); m != nil {
						v, _ := strconv.ParseFloat(m[1], 64)
						out.sizes = append(out.sizes, v)
					}
				}
			}
			inText = e.Name.Local == "text"
		case xml.CharData:
			if inText {
				out.texts = append(out.texts, string(e))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if out.width <= 0 {
		t.Fatal("the chart's SVG has no viewBox width")
	}
	return out
}

// ddsLike is a report whose latency chart spans under a decade, as the
// dds ping-pong's did (drawn on a linear axis with two labelled ticks).
func ddsLike() *Report {
	r := &Report{Machines: []Machine{{Label: "m"}}}
	for i, b := range []string{"none", "vmfunc", "handoff", "pku", "mprotect", "process"} {
		var ns []float64
		for k := 0; k < 20; k++ {
			ns = append(ns, 20e3+float64(i)*4e3+float64(k%5)*300)
		}
		mode := backend.Hardware
		if b == "none" {
			mode = backend.NoIsolation
		}
		r.Machines[0].Mechanisms = append(r.Machines[0].Mechanisms, backend.Mechanism{Backend: b, Mode: mode, Style: backend.StyleOf(b)})
		r.Series = append(r.Series, Series{Machine: "m", Backend: b, Workload: "dds-pingpong", Metric: "rtt_12", Label: "dds-pingpong: round trip 12 B", NS: ns})
	}
	r.Summarize()
	return r
}

// TestChartTextReadableInAColumn: every chart, printed 8 cm wide (a
// paper's column), has text of at least 7 points: each font size read
// from the SVG, scaled by 8 cm over the SVG's width.
func TestChartTextReadableInAColumn(t *testing.T) {
	for _, r := range []*Report{load(t, "quick.json"), ddsLike()} {
		charts, err := r.Charts()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range charts {
			s := parseSVG(t, c.SVG)
			if len(s.sizes) == 0 {
				t.Errorf("%s: no text", c.Slug)
			}
			scale := float64(paperWidth) / s.width // user units are points
			for _, sz := range s.sizes {
				if sz*scale < 7 {
					t.Errorf("%s: %.1f pt text in a %.0f pt wide SVG prints at %.1f pt in 8 cm", c.Slug, sz, s.width, sz*scale)
					break
				}
			}
		}
	}
}

// TestValueAxesReadable: a latency range under a decade is drawn on a
// linear axis with at least three labelled ticks (the dds chart had
// two); TestDotChartLogScaleDespiteNaN checks that decades get a log
// axis.
func TestValueAxesReadable(t *testing.T) {
	charts, err := ddsLike().Charts()
	if err != nil {
		t.Fatal(err)
	}
	labels := regexp.MustCompile(`^[0-9.,]+ (ns|µs|ms)$|^[0-9.,]+x$`)
	for _, c := range charts {
		n := 0
		for _, tx := range parseSVG(t, c.SVG).texts {
			if labels.MatchString(strings.TrimSpace(tx)) {
				n++
			}
		}
		if strings.HasPrefix(c.Slug, "latency-") && c.log {
			t.Errorf("%s: a 1.5x range on a log axis", c.Slug)
		}
		if n < 3 {
			t.Errorf("%s: %d labelled ticks on the value axis", c.Slug, n)
		}
	}
	for _, r := range [][2]float64{{20e3, 45e3}, {0, 216e3}, {0.9, 1.1}, {1, 7}} {
		labelled := 0
		for _, tk := range linearTicks(r[0], r[1]) {
			if tk.Label != "" {
				labelled++
			}
		}
		if labelled < 3 || labelled > 11 {
			t.Errorf("linear ticks over %v: %d labelled", r, labelled)
		}
	}
}

// TestLongCategoryLabelsAreCut: an 80-character label, with or without
// spaces, takes at most maxLabelLines lines of about labelWrap
// characters in a chart, so that it cannot squeeze the plot.
func TestLongCategoryLabelsAreCut(t *testing.T) {
	for _, l := range []string{strings.Repeat("A", 80), strings.Repeat("word ", 16), "kv get 128 B"} {
		c := categoryLabel(l)
		lines := strings.Split(c, "\n")
		if len(lines) > maxLabelLines {
			t.Errorf("%q: %d lines: %q", l, len(lines), c)
		}
		for _, line := range lines {
			if n := len([]rune(line)); n > labelWrap {
				t.Errorf("%q: a line of %d characters: %q", l, n, line)
			}
		}
	}
	if got := categoryLabel("kv get 128 B"); got != "kv get 128 B" {
		t.Errorf("a short label changed: %q", got)
	}
}
