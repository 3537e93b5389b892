package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"plib/backend"
	"plib/untrusted"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Chart is one chart of the report: drawn once per output format, inline
// SVG for the HTML page and a file per format with WriteCharts.
type Chart struct {
	Title string
	Slug  string // a file name stem: "latency-kv"
	SVG   string // an <svg> element, ready to inline
	// Note, when set, says why the chart was not drawn (no SVG, no file):
	// a chart with nothing to draw is a note in the report, not an error.
	Note string
	w, h vg.Length
	draw func(draw.Canvas)
	log  bool // the value axis is on a log scale
}

// Render draws the chart in format: "svg", "pdf", "png", "eps".
func (c Chart) Render(format string) ([]byte, error) {
	if c.draw == nil {
		return nil, fmt.Errorf("chart %q: not drawn: %s", c.Title, c.Note)
	}
	cv, err := draw.NewFormattedCanvas(c.w, c.h, format)
	if err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	c.draw(draw.New(cv))
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	return buf.Bytes(), nil
}

// finish renders the chart's inline SVG.
func (c Chart) finish() (Chart, error) {
	b, err := c.Render("svg")
	if err != nil {
		return Chart{}, err
	}
	svg := string(b)
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:] // drop the XML prolog: the chart is inlined in HTML
	}
	c.SVG = svg
	return c, nil
}

// ChartFormats are the formats WriteCharts writes each chart in: SVG for
// the web, PDF for a paper.
var ChartFormats = []string{"svg", "pdf"}

// WriteCharts writes every chart into dir as NN-slug.svg and NN-slug.pdf
// and returns the paths written.
func (r *Report) WriteCharts(dir string) ([]string, error) {
	charts, err := r.Charts()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for i, c := range charts {
		if c.Note != "" {
			continue
		}
		for _, f := range ChartFormats {
			b, err := c.Render(f)
			if err != nil {
				return nil, err
			}
			p := filepath.Join(dir, fmt.Sprintf("%02d-%s.%s", i+1, c.Slug, f))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return nil, err
			}
			paths = append(paths, p)
		}
	}
	return paths, removeStaleCharts(dir, paths)
}

// chartFile is the name WriteCharts gives a chart file.
var chartFile = regexp.MustCompile(`^[0-9]{2,}-[a-z0-9-]+\.(svg|pdf)$`)

// removeStaleCharts removes from dir the chart files an earlier report
// wrote that this one did not (regular files named as WriteCharts names
// them, nothing else), so that no old chart stands beside the new ones.
func removeStaleCharts(dir string, written []string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, p := range written {
		keep[filepath.Base(p)] = true
	}
	for _, e := range es {
		if e.Type().IsRegular() && chartFile.MatchString(e.Name()) && !keep[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("stale chart: %w", err)
			}
		}
	}
	return nil
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// The Okabe–Ito palette (Okabe and Ito, "Color Universal Design", 2008):
// eight colours told apart by readers with any common colour-vision
// deficiency. Each backend also has its own marker shape and line dashes,
// so that the charts still read in greyscale.
var (
	oiBlack         = color.NRGBA{0x00, 0x00, 0x00, 0xff}
	oiOrange        = color.NRGBA{0xe6, 0x9f, 0x00, 0xff}
	oiSkyBlue       = color.NRGBA{0x56, 0xb4, 0xe9, 0xff}
	oiBluishGreen   = color.NRGBA{0x00, 0x9e, 0x73, 0xff}
	oiBlue          = color.NRGBA{0x00, 0x72, 0xb2, 0xff}
	oiVermillion    = color.NRGBA{0xd5, 0x5e, 0x00, 0xff}
	oiReddishPurple = color.NRGBA{0xcc, 0x79, 0xa7, 0xff}
	oiYellow        = color.NRGBA{0xf0, 0xe4, 0x42, 0xff}
)

// seriesStyle is how one column is drawn in every chart.
type seriesStyle struct {
	color  color.Color
	shape  draw.GlyphDrawer
	dashes []vg.Length
}

// Styles is the table of chart styles, indexed by backend.Style - 1: a
// colour of the Okabe–Ito palette, a marker and dashes, each different
// from every other entry's, so that backends are told apart by colour,
// by marker and (in greyscale) by line. A backend declares its entry
// when it registers (backend.Register); the seventh entry is for the
// next backend, the eighth for one more. The palette's yellow, faint on
// white, comes last.
var styles = []seriesStyle{
	backend.StyleNone - 1:     {oiBlack, draw.CircleGlyph{}, nil},
	backend.StyleVMFunc - 1:   {oiVermillion, draw.PyramidGlyph{}, []vg.Length{vg.Points(6), vg.Points(2)}},
	backend.StyleHandoff - 1:  {oiSkyBlue, diamondGlyph{}, []vg.Length{vg.Points(1), vg.Points(2)}},
	backend.StylePKU - 1:      {oiBlue, draw.BoxGlyph{}, []vg.Length{vg.Points(2), vg.Points(2)}},
	backend.StyleMprotect - 1: {oiOrange, draw.RingGlyph{}, []vg.Length{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}},
	backend.StyleProcess - 1:  {oiBluishGreen, draw.SquareGlyph{}, []vg.Length{vg.Points(4), vg.Points(4)}},
	backend.StyleNext - 1:     {oiReddishPurple, draw.TriangleGlyph{}, []vg.Length{vg.Points(3), vg.Points(1)}},
	backend.StyleNext:         {oiYellow, draw.PlusGlyph{}, []vg.Length{vg.Points(5), vg.Points(2), vg.Points(1), vg.Points(2)}},
}

// baselineStyle draws a baseline column (memcached): a neutral grey and
// a marker no backend has.
var baselineStyle = seriesStyle{color.NRGBA{0x80, 0x80, 0x80, 0xff}, draw.CrossGlyph{}, []vg.Length{vg.Points(1), vg.Points(3)}}

// diamondGlyph is a filled diamond, a marker gonum does not draw.
type diamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.25
	c.FillPolygon(sty.Color, []vg.Point{{X: pt.X, Y: pt.Y + r}, {X: pt.X + r, Y: pt.Y}, {X: pt.X, Y: pt.Y - r}, {X: pt.X - r, Y: pt.Y}})
}

// styleOf returns a column's style: the one its backend declared (as the
// report recorded it, else as this binary's registry has it); for a
// baseline the baseline's; for a backend with neither, the first entry
// no other column of the report has, so that a report never draws two
// columns alike. The second and later machines of a merged report draw
// their columns with other markers and dashes.
func (r *Report) styleOf(col string) seriesStyle {
	machine, name := r.splitColumn(col)
	st, ok := r.declaredStyle(machine, name)
	if !ok && (name == "memcached" || r.Mechanism(machine, name).Mode == backend.Baseline) {
		st, ok = baselineStyle, true
	}
	if !ok {
		used := map[int]bool{}
		var undeclared []string // in the report's column order
		for _, c := range r.Columns() {
			m, n := r.splitColumn(c)
			if i, ok := r.styleIndex(m, n); ok {
				used[i] = true
			} else if !slices.Contains(undeclared, n) {
				undeclared = append(undeclared, n)
			}
		}
		var free []int
		for i := range styles {
			if !used[i] {
				free = append(free, i)
			}
		}
		k := max(slices.Index(undeclared, name), 0)
		if len(free) > 0 {
			st = styles[free[k%len(free)]]
		} else {
			st = styles[k%len(styles)]
		}
	}
	for i, m := range r.Machines {
		if m.Label == machine && i > 0 {
			st.shape = styles[(i+int(st.index()))%len(styles)].shape
			st.dashes = styles[(i+int(st.index()))%len(styles)].dashes
		}
	}
	return st
}

// index is the style's entry in styles (0 if it has none).
func (st seriesStyle) index() int {
	for i, s := range styles {
		if s.color == st.color {
			return i
		}
	}
	return 0
}

// styleIndex is the entry of styles a backend declared (false if none).
func (r *Report) styleIndex(machine, name string) (int, bool) {
	s := r.Mechanism(machine, name).Style
	if s < 1 {
		s = backend.StyleOf(name)
	}
	if s < 1 {
		return 0, false
	}
	return (int(s) - 1) % len(styles), true
}

func (r *Report) declaredStyle(machine, name string) (seriesStyle, bool) {
	i, ok := r.styleIndex(machine, name)
	if !ok {
		return seriesStyle{}, false
	}
	return styles[i], true
}

// dotSeries is one column's points in a dot chart: a value per category
// with an interval around it; NaN skips a category.
type dotSeries struct {
	col           string // the report column, for its style
	name          string // the legend's text
	val, low, upp []float64
}

// logSpread is the max/min ratio above which a chart uses a log scale:
// a decade or more.
const logSpread = 10

// Chart geometry. Every chart is chartWidth wide, whatever it holds
// (categories run down the page, not across it), and its text is sized
// so that the chart printed paperWidth wide, a paper's column, still
// has text of at least minPaperText points: textSize.
const (
	chartWidth    = 5 * vg.Inch
	paperWidth    = 8 * vg.Centimeter
	minPaperText  = 7.5           // points, at paperWidth (7 is the least a column's figure may have)
	labelWrap     = 16            // characters per line of a category label
	legendPadding = 6             // points around the legend
	cdfHeight     = 3.2 * vg.Inch // a distribution chart's plot
	rowPad        = 6             // points between two categories' rows
)

// textSize is the size of every chart's text, in points: minPaperText
// scaled from paperWidth up to chartWidth, rounded up.
var textSize = math.Ceil(minPaperText * float64(chartWidth) / float64(paperWidth))

// styleText sets a plot's title, axis labels and tick labels to
// textSize (the title a point larger).
func styleText(p *plot.Plot) {
	p.Title.TextStyle.Font.Size = font.Length(textSize + 1)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = font.Length(textSize)
		a.Tick.Label.Font.Size = font.Length(textSize)
	}
}

// wrapTitle breaks a chart's title so that it fits chartWidth.
func wrapTitle(t string) string { return wrap(t, int(float64(chartWidth)/(0.5*textSize))) }

// dataRange returns the smallest and largest positive finite values of
// vs, ignoring NaN (missing values and absent bars).
func dataRange(vs ...[]float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		for _, x := range v {
			if x > 0 && !math.IsNaN(x) && !math.IsInf(x, 0) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	return lo, hi, !math.IsInf(lo, 1)
}

// useLog says whether a range [lo, hi] is drawn on a log scale.
func useLog(lo, hi float64) bool { return hi/lo > logSpread }

// unitTicks labels an axis' ticks with a unit: "10 µs", "1,000x".
type unitTicks struct {
	log    bool
	format func(float64) string
}

func (u unitTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	if u.log {
		ts = plot.LogTicks{Prec: -1}.Ticks(min, max)
		// Under two decades there are too few labelled ticks: label 2
		// and 5 of each decade as well.
		labelled := 0
		for _, t := range ts {
			if t.Label != "" {
				labelled++
			}
		}
		for i, t := range ts {
			if m := t.Value / math.Pow(10, math.Floor(math.Log10(t.Value)+1e-9)); labelled < 3 && (near(m, 2) || near(m, 5)) {
				ts[i].Label = "x"
			}
		}
	} else {
		ts = linearTicks(min, max)
	}
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = u.format(ts[i].Value)
		}
	}
	return ts
}

// linearTicks labels a linear axis at 4 to 10 round values (1, 2 or 5
// times a power of ten apart), with an unlabelled tick between each two:
// gonum's default labels as few as two.
func linearTicks(min, max float64) []plot.Tick {
	if !(max > min) {
		return []plot.Tick{{Value: min, Label: "x"}}
	}
	mag := math.Pow(10, math.Floor(math.Log10((max-min)/4)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if (max-min)/(m*mag) <= 10 {
			step = m * mag
			break
		}
	}
	var ts []plot.Tick
	for k := math.Ceil(min / step * 2); k/2*step <= max*(1+1e-12); k++ {
		v := k / 2 * step
		t := plot.Tick{Value: v}
		if int64(k)%2 == 0 {
			t.Label = "x" // labelled by unitTicks
		}
		ts = append(ts, t)
	}
	return ts
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// tickNS prints a tick in nanoseconds with a unit: 500 ns, 10 µs.
func tickNS(ns float64) string {
	switch {
	case ns == 0:
		return "0"
	case ns < 1e3:
		return sig3(ns) + " ns"
	case ns < 1e6:
		return sig3(ns/1e3) + " µs"
	case ns < 1e9:
		return sig3(ns/1e6) + " ms"
	}
	return sig3(ns/1e9) + " s"
}

// sig3 prints x with at most three significant digits, no exponent
// under 1000.
func sig3(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }

func tickRatio(x float64) string {
	if x >= 1000 {
		return FormatRatio(x)
	}
	return sig3(x) + "x"
}

func tickRate(x float64) string {
	switch {
	case x >= 1e9:
		return sig3(x/1e9) + " G/s"
	case x >= 1e6:
		return sig3(x/1e6) + " M/s"
	case x >= 1e3:
		return sig3(x/1e3) + " k/s"
	}
	return sig3(x) + "/s"
}

// wrap breaks a category label into lines of about n characters, each
// word shown as untrusted.Line shows it (a label is an image's text).
func wrap(s string, n int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		w = untrusted.Line(w)
		if line != "" && len([]rune(line))+1+len([]rune(w)) > n {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// maxLabelLines is the most lines a chart's category label takes: a
// longer label is cut (the tables keep it whole), so that it cannot
// squeeze the plot.
const maxLabelLines = 3

// categoryLabel is a category's label as a chart shows it: wrapped into
// lines of about labelWrap characters, a word longer than a line cut to
// one, at most maxLabelLines lines, "…" where it was cut.
func categoryLabel(s string) string {
	var words []string
	for _, w := range strings.Fields(untrusted.Line(s)) {
		if r := []rune(w); len(r) > labelWrap {
			w = string(r[:labelWrap-1]) + "…"
		}
		words = append(words, w)
	}
	lines := strings.Split(wrap(strings.Join(words, " "), labelWrap), "\n")
	if len(lines) > maxLabelLines {
		lines = lines[:maxLabelLines]
		last := []rune(lines[maxLabelLines-1])
		if len(last) >= labelWrap {
			last = last[:labelWrap-1]
		}
		lines[maxLabelLines-1] = string(last) + "…"
	}
	return strings.Join(lines, "\n")
}

// axisSpec is a value axis: its label, tick format and range.
type axisSpec struct {
	label  string
	format func(float64) string
	zero   bool // a linear axis starts at 0
}

// setAxis scales a value axis to [lo, hi], on a log scale when wide.
func setAxis(a *plot.Axis, spec axisSpec, lo, hi float64) (log bool) {
	a.Label.Text = spec.label
	// A vertical label longer than the axis pushes the data down under
	// an empty band: keep labels short and their font small.
	a.Label.TextStyle.Font.Size = font.Length(textSize)
	log = useLog(lo, hi)
	if log {
		a.Scale = plot.LogScale{}
		a.Label.Text += " (log scale)"
		a.Min, a.Max = lo/1.6, hi*1.6
	} else {
		a.Min, a.Max = lo-(hi-lo)*0.08, hi+(hi-lo)*0.08
		if spec.zero || a.Min < 0 {
			a.Min = 0
		}
		if a.Max <= a.Min {
			a.Max = a.Min + math.Max(1, math.Abs(a.Min))
		}
	}
	a.Tick.Marker = unitTicks{log, spec.format}
	return log
}

// legendBelow lays a plot out chartWidth wide and plotHeight high, with
// its legend under it, where it can overlap nothing and adds height, not
// width. It returns the chart's height and the function that draws it.
func legendBelow(p *plot.Plot, leg plot.Legend, plotHeight vg.Length) (vg.Length, func(draw.Canvas)) {
	var lh vg.Length
	if r := leg.Rectangle(draw.Canvas{}); r.Size().Y > 0 { // it has entries
		lh = r.Size().Y + 2*vg.Points(legendPadding)
	}
	return plotHeight + lh, func(c draw.Canvas) {
		p.Draw(draw.Crop(c, 0, 0, lh, 0))
		if lh > 0 {
			top := c.Max.Y - c.Min.Y - lh
			leg.Draw(draw.Crop(c, vg.Points(2*legendPadding), -vg.Points(legendPadding), vg.Points(legendPadding), -top))
		}
	}
}

func newLegend() plot.Legend {
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font.Size = font.Length(textSize)
	leg.Padding = vg.Points(3)
	return leg
}

// dotChart draws categories down the Y axis and, per series, a point
// with an error bar at each category, on a log value axis when the
// range spans a decade. Without dodge every series' points sit on the
// category (one series per category); with it they are spread apart
// within it. A ref above 0 draws a dashed line at that value (1x on
// ratio charts).
func dotChart(slugName, title string, x axisSpec, cats []string, series []dotSeries, styles func(string) seriesStyle, dodge, legend bool,
	ref float64) (Chart, error) {
	p := plot.New()
	p.Title.Text = wrapTitle(title)
	styleText(p)
	var all [][]float64
	for _, s := range series {
		all = append(all, s.val, s.low, s.upp)
	}
	lo, hi, ok := dataRange(all...)
	if !ok {
		return nothingToDraw(slugName, title), nil
	}
	n := len(cats)
	// The first category on top: category i sits at y = n-1-i.
	wrapped := make([]string, n)
	lines := 1
	for i, c := range cats {
		wrapped[n-1-i] = categoryLabel(c)
		lines = max(lines, strings.Count(wrapped[n-1-i], "\n")+1)
	}
	p.NominalY(wrapped...)
	width := 0.0
	if dodge {
		width = 0.7 / float64(max(len(series), 1))
	}
	leg := newLegend()
	for j, s := range series {
		var pts plotter.XYs
		var errs plotter.XErrors
		for i, v := range s.val {
			if math.IsNaN(v) || v <= 0 {
				continue
			}
			y := float64(n-1-i) - (float64(j)-float64(len(series)-1)/2)*width
			pts = append(pts, plotter.XY{X: v, Y: y})
			errs = append(errs, struct{ Low, High float64 }{v - nz(s.low[i], v), nz(s.upp[i], v) - v})
		}
		if len(pts) == 0 {
			continue
		}
		st := styles(s.col)
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return Chart{}, fmt.Errorf("chart %q: %w", title, err)
		}
		sc.GlyphStyle.Color = st.color
		sc.GlyphStyle.Shape = st.shape
		sc.GlyphStyle.Radius = vg.Points(4)
		if _, _, bars := dataRange(s.low, s.upp); bars {
			eb, err := plotter.NewXErrorBars(xErrPoints{pts, errs})
			if err != nil {
				return Chart{}, fmt.Errorf("chart %q: %w", title, err)
			}
			eb.LineStyle.Color = st.color
			eb.LineStyle.Width = vg.Points(1.2)
			p.Add(eb)
		}
		p.Add(sc)
		if legend {
			leg.Add(untrusted.Line(s.name), sc)
		}
	}
	g := plotter.NewGrid()
	g.Horizontal.Color = nil
	p.Add(g)
	// After Add, which widens the axes to the data: the value axis on
	// the data's own range (so a NaN cannot unset the log scale), and
	// half a category of room above the first and below the last.
	if ref > 0 {
		lo, hi = math.Min(lo, ref), math.Max(hi, ref)
		l, err := plotter.NewLine(plotter.XYs{{X: ref, Y: -0.5}, {X: ref, Y: float64(n) - 0.5}})
		if err != nil {
			return Chart{}, fmt.Errorf("chart %q: %w", title, err)
		}
		l.LineStyle.Color = color.Gray{0x70}
		l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
	log := setAxis(&p.X, x, lo, hi)
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	row := math.Max(float64(lines)*1.25*textSize, 1.0*textSize*float64(max(len(series), 1))*width/0.7*1.4) + rowPad
	if !dodge {
		row = float64(lines)*1.25*textSize + rowPad
	}
	plotHeight := vg.Points(float64(n)*row) + vg.Points(5*textSize) + vg.Points(float64(strings.Count(p.Title.Text, "\n")+1)*1.3*textSize)
	h, drawFn := legendBelow(p, leg, plotHeight)
	return Chart{Title: title, Slug: slugName, w: chartWidth, h: h, draw: drawFn, log: log}.finish()
}

type xErrPoints struct {
	plotter.XYs
	plotter.XErrors
}

// nothingToDraw is the chart that stands for one whose every value is
// missing (every series failed, or the run was interrupted before it).
func nothingToDraw(slugName, title string) Chart {
	return Chart{Title: title, Slug: slugName, Note: "nothing to draw: no series has a measured value"}
}

// nz returns v, or def when v is NaN or not positive.
func nz(v, def float64) float64 {
	if math.IsNaN(v) || v <= 0 {
		return def
	}
	return v
}

// cdfSeries is one column's samples of one operation.
type cdfSeries struct {
	col, name string
	ns        []float64
}

// cdfChart draws the empirical distribution of each series' samples: the
// fraction of samples at or below x, a step per sample, so that a wide
// spread or a second mode is seen, not just flagged.
func cdfChart(slugName, title string, series []cdfSeries, styles func(string) seriesStyle) (Chart, error) {
	p := plot.New()
	p.Title.Text = wrapTitle(title)
	styleText(p)
	var all [][]float64
	for _, s := range series {
		all = append(all, s.ns)
	}
	lo, hi, ok := dataRange(all...)
	if !ok {
		return nothingToDraw(slugName, title), nil
	}
	leg := newLegend()
	for _, s := range series {
		x := append([]float64(nil), s.ns...)
		sort.Float64s(x)
		n := float64(len(x))
		pts := plotter.XYs{{X: x[0], Y: 0}}
		var marks plotter.XYs
		for i, v := range x {
			pts = append(pts, plotter.XY{X: v, Y: float64(i+1) / n})
			marks = append(marks, plotter.XY{X: v, Y: float64(i+1) / n})
		}
		st := styles(s.col)
		l, err := plotter.NewLine(pts)
		if err != nil {
			return Chart{}, fmt.Errorf("chart %q: %w", title, err)
		}
		l.StepStyle = plotter.PostStep
		l.LineStyle.Color = st.color
		l.LineStyle.Width = vg.Points(1.5)
		l.LineStyle.Dashes = st.dashes
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return Chart{}, fmt.Errorf("chart %q: %w", title, err)
		}
		sc.GlyphStyle.Color = st.color
		sc.GlyphStyle.Shape = st.shape
		sc.GlyphStyle.Radius = vg.Points(3)
		p.Add(l, sc)
		leg.Add(untrusted.Line(s.name), l, sc)
	}
	g := plotter.NewGrid()
	p.Add(g)
	log := setAxis(&p.X, axisSpec{label: "time per operation", format: tickNS}, lo, hi)
	p.Y.Label.Text = "fraction of samples ≤ x"
	p.Y.Label.TextStyle.Font.Size = font.Length(textSize)
	p.Y.Min, p.Y.Max = 0, 1.04
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"},
		{Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})
	h, drawFn := legendBelow(p, leg, cdfHeight)
	return Chart{Title: title, Slug: slugName, w: chartWidth, h: h, draw: drawFn, log: log}.finish()
}

// shortAnchor is an anchor's label without its parenthesis.
func shortAnchor(label string) string {
	if i := strings.Index(label, " ("); i > 0 {
		return label[:i]
	}
	return label
}

// Charts draws the report's charts: latency per operation per workload
// (median, p5-p95 bars), the distribution of each workload's
// representative operation, library calls per second, the ratio to none
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
	nsAxis := axisSpec{label: "time per operation", format: tickNS, zero: true}
	for _, w := range workloads {
		var cats []string
		for _, k := range byWorkload[w] {
			cats = append(cats, strings.TrimPrefix(labels[k], w+": "))
		}
		var series []dotSeries
		for _, c := range cols {
			s := dotSeries{col: c, name: r.ColumnLabel(c)}
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
		if err := add(dotChart("latency-"+slug(w), "Latency per operation: "+w+" (median, p5–p95)", nsAxis, cats, series, r.styleOf, true, true, 0)); err != nil {
			return nil, err
		}
	}
	// The distribution of each workload's representative operation (as
	// the first machine judges it).
	first := ""
	if len(r.Machines) > 0 {
		first = r.Machines[0].Label
	}
	for _, k := range r.representative(first) {
		var series []cdfSeries
		for _, c := range cols {
			if x := r.Find(c, k); x != nil && x.Error == "" && len(x.NS) > 0 {
				name := fmt.Sprintf("%s, n=%d", r.ColumnLabel(c), len(x.NS))
				if x.Summary.Wide {
					name += ", wide"
				}
				series = append(series, cdfSeries{c, name, x.NS})
			}
		}
		if len(series) == 0 {
			continue
		}
		if err := add(cdfChart("distribution-"+slug(k), "Distribution of the samples: "+labels[k], series, r.styleOf)); err != nil {
			return nil, err
		}
	}
	// Calls per second, one point per column, on its own category.
	var cats []string
	var rates []dotSeries
	for _, c := range cols {
		if s := r.Find(c, "null/call"); s != nil && s.Error == "" && s.Summary.Median > 0 {
			rates = append(rates, dotSeries{col: c, name: r.ColumnLabel(c)})
			cats = append(cats, r.ColumnLabel(c))
		}
	}
	for j, c := range rates {
		s := r.Find(c.col, "null/call")
		for i := range rates {
			v, lo, hi := math.NaN(), math.NaN(), math.NaN()
			if i == j {
				v, lo, hi = 1e9/s.Summary.Median, 1e9/s.Summary.P95, 1e9/s.Summary.P5
			}
			rates[j].val, rates[j].low, rates[j].upp = append(rates[j].val, v), append(rates[j].low, lo), append(rates[j].upp, hi)
		}
	}
	if len(cats) > 0 {
		if err := add(dotChart("calls-per-second", "Library calls per second on one core (null; median, p5–p95)",
			axisSpec{label: "calls per second", format: tickRate, zero: true}, cats, rates, r.styleOf, false, false, 0)); err != nil {
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
		s := dotSeries{col: c, name: r.ColumnLabel(c)}
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
	ratioAxis := axisSpec{label: "median ÷ none's median", format: tickRatio}
	if len(ratioSeries) > 0 {
		if err := add(dotChart("ratio-to-none", "Cost of isolation: median over none's median", ratioAxis, rcats, ratioSeries, r.styleOf, true,
			true, 1)); err != nil {
			return nil, err
		}
	}
	// The library call against the anchors.
	acols, anchors, ratio := r.AnchorRatios()
	if len(acols) > 0 && len(anchors) > 0 {
		var acats []string
		for _, a := range anchors {
			acats = append(acats, shortAnchor(a.Label))
		}
		var as []dotSeries
		for _, c := range acols {
			s := dotSeries{col: c, name: r.ColumnLabel(c)}
			for _, a := range anchors {
				v, ok := ratio[c][a.Workload]
				if !ok {
					v = math.NaN()
				}
				s.val, s.low, s.upp = append(s.val, v), append(s.low, math.NaN()), append(s.upp, math.NaN())
			}
			as = append(as, s)
		}
		if err := add(dotChart("call-over-anchors", "A library call (null) over each anchor",
			axisSpec{label: "library call ÷ anchor", format: tickRatio}, acats, as, r.styleOf, true, true, 1)); err != nil {
			return nil, err
		}
	}
	return charts, nil
}
