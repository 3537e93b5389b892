package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Chart is one rendered SVG chart.
type Chart struct {
	Title string
	SVG   string // an <svg> element, ready to inline
}

// dotSeries is one backend's points in a dot chart: a value per category
// with an interval around it; NaN skips a category.
type dotSeries struct {
	name          string
	val, low, upp []float64
}

// logSpread is the max/min ratio above which a chart uses a log scale.
const logSpread = 20

// dotChart draws categories along X and, per series, a point with an
// error bar at each category, on a log Y scale when the range is wide.
func dotChart(title, ylabel string, cats []string, series []dotSeries) (Chart, error) {
	p := plot.New()
	p.Title.Text = title
	p.Legend.Top = true
	p.Legend.Left = false
	p.X.Tick.Label.Rotation = 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for i, v := range s.val {
			if v > 0 && !math.IsNaN(v) {
				lo, hi = math.Min(lo, math.Min(v, nz(s.low[i], v))), math.Max(hi, math.Max(v, s.upp[i]))
			}
		}
	}
	if math.IsInf(lo, 1) {
		return Chart{}, fmt.Errorf("chart %q: nothing to draw", title)
	}
	logScale := hi/lo > logSpread
	p.Y.Label.Text = ylabel
	if logScale {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Label.Text += " (log scale)"
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	}
	p.NominalX(cats...)
	width := 0.6 / float64(max(len(series), 1))
	for j, s := range series {
		var pts plotter.XYs
		var errs plotter.YErrors
		for i, v := range s.val {
			if math.IsNaN(v) || v <= 0 {
				continue
			}
			x := float64(i) + (float64(j)-float64(len(series)-1)/2)*width
			pts = append(pts, plotter.XY{X: x, Y: v})
			errs = append(errs, struct{ Low, High float64 }{v - nz(s.low[i], v), nz(s.upp[i], v) - v})
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return Chart{}, fmt.Errorf("chart %q: %w", title, err)
		}
		sc.GlyphStyle.Color = plotutil.Color(j)
		sc.GlyphStyle.Shape = plotutil.Shape(j)
		sc.GlyphStyle.Radius = vg.Points(3.5)
		eb, err := plotter.NewYErrorBars(errPoints{pts, errs})
		if err != nil {
			return Chart{}, fmt.Errorf("chart %q: %w", title, err)
		}
		eb.LineStyle.Color = plotutil.Color(j)
		p.Add(eb, sc)
		p.Legend.Add(s.name, sc)
	}
	p.Add(plotter.NewGrid())
	w := vg.Length(max(6, 1.3*float64(len(cats))+2)) * vg.Inch
	wt, err := p.WriterTo(w, 4*vg.Inch, "svg")
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	svg := buf.String()
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:] // drop the XML prolog: the chart is inlined in HTML
	}
	return Chart{Title: title, SVG: svg}, nil
}

// nz returns v, or def when v is NaN or not positive.
func nz(v, def float64) float64 {
	if math.IsNaN(v) || v <= 0 {
		return def
	}
	return v
}

type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// Charts draws the report's charts: latency per operation per workload
// (median, p5-p95 bars), library calls per second, the ratio to none
// and the library call against the anchors.
func (r *Report) Charts() ([]Chart, error) {
	var charts []Chart
	cols := r.Columns()
	keys, labels := r.Rows()
	var workloads []string
	byWorkload := map[string][]string{}
	for _, k := range keys {
		w := k[:strings.Index(k, "/")]
		if byWorkload[w] == nil {
			workloads = append(workloads, w)
		}
		byWorkload[w] = append(byWorkload[w], k)
	}
	add := func(c Chart, err error) error {
		if err == nil {
			charts = append(charts, c)
		}
		return err
	}
	for _, w := range workloads {
		var cats []string
		for _, k := range byWorkload[w] {
			cats = append(cats, labels[k])
		}
		var series []dotSeries
		for _, c := range cols {
			s := dotSeries{name: c}
			present := false
			for _, k := range byWorkload[w] {
				v, lo, hi := math.NaN(), math.NaN(), math.NaN()
				if x := r.Find(c, k); x != nil && x.Error == "" && x.Summary.N > 0 {
					v, lo, hi, present = x.Summary.Median, x.Summary.P5, x.Summary.P95, true
				}
				s.val, s.low, s.upp = append(s.val, v), append(s.low, lo), append(s.upp, hi)
			}
			if present {
				series = append(series, s)
			}
		}
		if err := add(dotChart("Latency per operation: "+w+" (median, p5-p95)", "ns per operation", cats, series)); err != nil {
			return nil, err
		}
	}
	// Calls per second, one point per backend.
	var cats []string
	rate := dotSeries{name: "null: library calls/s"}
	for _, c := range cols {
		if s := r.Find(c, "null/call"); s != nil && s.Error == "" && s.Summary.Median > 0 {
			cats = append(cats, c)
			rate.val = append(rate.val, 1e9/s.Summary.Median)
			rate.low = append(rate.low, 1e9/s.Summary.P95)
			rate.upp = append(rate.upp, 1e9/s.Summary.P5)
		}
	}
	if len(cats) > 0 {
		if err := add(dotChart("Library calls per second on one core (null)", "calls/s", cats, []dotSeries{rate})); err != nil {
			return nil, err
		}
	}
	// Ratio to none.
	var ratioSeries []dotSeries
	var rcats []string
	for _, k := range keys {
		rcats = append(rcats, labels[k])
	}
	for _, c := range cols {
		if c == "none" || strings.HasSuffix(c, "/none") {
			continue
		}
		s := dotSeries{name: c}
		present := false
		for _, k := range keys {
			v := math.NaN()
			if x := r.Find(c, k); x != nil {
				v = r.Ratio(x)
			}
			present = present || !math.IsNaN(v)
			s.val, s.low, s.upp = append(s.val, v), append(s.low, math.NaN()), append(s.upp, math.NaN())
		}
		if present {
			ratioSeries = append(ratioSeries, s)
		}
	}
	if len(ratioSeries) > 0 {
		if err := add(dotChart("Cost of isolation: median over none's median", "x none", rcats, ratioSeries)); err != nil {
			return nil, err
		}
	}
	// The library call against the anchors.
	acols, anchors, ratio := r.AnchorRatios()
	if len(acols) > 0 && len(anchors) > 0 {
		var acats []string
		for _, a := range anchors {
			acats = append(acats, a.Workload)
		}
		var as []dotSeries
		for _, c := range acols {
			s := dotSeries{name: c}
			for _, a := range anchors {
				v, ok := ratio[c][a.Workload]
				if !ok {
					v = math.NaN()
				}
				s.val, s.low, s.upp = append(s.val, v), append(s.low, math.NaN()), append(s.upp, math.NaN())
			}
			as = append(as, s)
		}
		if err := add(dotChart("A library call (null) over each anchor", "x anchor", acats, as)); err != nil {
			return nil, err
		}
	}
	return charts, nil
}
