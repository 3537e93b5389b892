package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"plib/backend"
	"plib/untrusted"
)

// Table is a rendered table: a title, a note under it, a header and rows
// of cells; Markdown and HTML print the same tables.
type Table struct {
	Title  string
	Note   string
	Header []string
	Rows   [][]string
}

// FormatNS prints a duration in nanoseconds with a unit that fits it.
func FormatNS(ns float64) string {
	switch {
	case math.IsNaN(ns) || math.IsInf(ns, 0):
		return "-"
	case ns < 1000:
		return fmt.Sprintf("%.1f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
	return fmt.Sprintf("%.2f s", ns/1e9)
}

// FormatRatio prints a ratio with sensible precision.
func FormatRatio(r float64) string {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0) || r <= 0:
		return "-"
	case r < 0.1:
		return fmt.Sprintf("%.2gx", r)
	case r < 10:
		return fmt.Sprintf("%.2fx", r)
	case r < 1000:
		return fmt.Sprintf("%.0fx", r)
	}
	// Three significant figures, grouped: 3,770x, 12,400x.
	mag := math.Pow(10, math.Floor(math.Log10(r))-2)
	n := int64(math.Round(r/mag) * mag)
	digits := fmt.Sprint(n)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String() + "x"
}

func modeText(m backend.Mechanism) string {
	switch m.Mode {
	case backend.Emulated:
		return "emulated by " + m.EmulatedBy
	case backend.Unavailable:
		return "unavailable: " + m.Unavailable
	case backend.NoIsolation:
		return "no isolation (the speed ceiling)"
	case backend.Baseline:
		return "baseline: " + m.Detail
	}
	return "on hardware"
}

// Tables returns every table of the report, the mechanism table first.
func (r *Report) Tables() []Table {
	ts := []Table{r.mechanismTable(), r.latencyTable()}
	if t, ok := r.modesTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.deltaTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.ratioTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.throughputTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.anchorTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.anchorRatioTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.floorTable(); ok {
		ts = append(ts, t)
	}
	ts = append(ts, r.measureTables()...)
	ts = append(ts, r.detailTable(), r.reproduceTable())
	return ts
}

// deltaTable compares a merged report's machines (or runs): per
// operation and backend, each later machine's median over the first's.
func (r *Report) deltaTable() (Table, bool) {
	if len(r.Machines) < 2 {
		return Table{}, false
	}
	base := r.Machines[0].Label
	t := Table{Title: "Change between reports",
		Note: fmt.Sprintf("Each later report's median over %s's for the same operation and backend: above 1x is slower. "+
			"\"~\" marks a change within the noise: the two medians' intervals (detail table) overlap.", base),
		Header: []string{"operation"}}
	type pair struct{ old, new string }
	var pairs []pair
	for _, c := range r.Columns() {
		m, name := r.splitColumn(c)
		if m == base {
			continue
		}
		if old := base + "/" + name; slices.Contains(r.Columns(), old) {
			pairs = append(pairs, pair{old, c})
			t.Header = append(t.Header, strings.TrimPrefix(r.ColumnLabel(c), m+"/")+": "+m+" / "+base)
		}
	}
	keys, labels := r.Rows()
	any := false
	for _, k := range keys {
		row := []string{labels[k]}
		for _, p := range pairs {
			v := "-"
			o, n := r.Find(p.old, k), r.Find(p.new, k)
			if o != nil && n != nil && o.Error == "" && n.Error == "" && o.Summary.N > 0 && n.Summary.N > 0 && o.Summary.Median > 0 {
				v, any = FormatRatio(n.Summary.Median/o.Summary.Median), true
				if n.Summary.CILow <= o.Summary.CIHigh && o.Summary.CILow <= n.Summary.CIHigh {
					v += " ~"
				}
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, any
}

// reproduceTable says how to run the comparison again: the command, its
// parameters and what it ran on and with.
func (r *Report) reproduceTable() Table {
	t := Table{Title: "How to reproduce this run",
		Note:   "The command line, the parameters it ran with and the versions, as recorded in report.json; scripts/build builds bin/vmm and the workload images.",
		Header: []string{"what", "value"}}
	settings := []Settings{r.Settings}
	if len(r.MergedSettings) > 0 {
		settings = r.MergedSettings
	}
	for i, st := range settings {
		suffix := ""
		if len(settings) > 1 {
			suffix = fmt.Sprintf(" (report %d)", i+1)
			if len(settings) == len(r.Merged) {
				suffix = fmt.Sprintf(" (report %d: %s)", i+1, r.Merged[i])
			}
		}
		if st.Command != "" {
			t.Rows = append(t.Rows, []string{"command" + suffix, st.Command})
		}
		t.Rows = append(t.Rows, []string{"runs per backend" + suffix, fmt.Sprint(st.Runs)})
		var ws []string
		for w := range st.Params {
			ws = append(ws, w)
		}
		sort.Strings(ws)
		for _, w := range ws {
			var ps []string
			for k, v := range st.Params[w] {
				ps = append(ps, fmt.Sprintf("%s=%d", k, v))
			}
			sort.Strings(ps)
			t.Rows = append(t.Rows, []string{"parameters of " + w + suffix, strings.Join(ps, " ")})
		}
		t.Rows = append(t.Rows, []string{"anchors" + suffix, fmt.Sprintf("%d samples", st.Anchor.Samples)})
		if len(st.Backends) > 0 {
			t.Rows = append(t.Rows, []string{"backends" + suffix, strings.Join(st.Backends, ", ")})
		}
	}
	for _, m := range r.Machines {
		var vs []string
		for k, v := range m.Versions {
			vs = append(vs, k+" "+v)
		}
		sort.Strings(vs)
		on := ""
		if len(r.Machines) > 1 {
			on = " on " + m.Label
		}
		t.Rows = append(t.Rows, []string{"versions" + on, strings.Join(vs, ", ")},
			[]string{"machine" + on, fmt.Sprintf("%s, %d logical cores, kernel %s, TSC %.3f GHz", m.CPUModel, m.Cores, m.Kernel, m.TSCHz/1e9)})
	}
	return t
}

func (r *Report) mechanismTable() Table {
	t := Table{Title: "How each backend ran",
		Note:   "Whether each backend's domain switch ran on hardware, was emulated (and by what) or was unavailable (and why), on which CPU.",
		Header: []string{"backend", "switch", "mode", "measured on"}}
	if len(r.Machines) > 1 {
		t.Header = append([]string{"machine"}, t.Header...)
	}
	for _, m := range r.Machines {
		on := m.CPUModel
		if len(m.CPUFlags) > 0 {
			on += "; flags: " + strings.Join(m.CPUFlags, " ")
		}
		if m.Hypervisor != "" {
			on += "; in a VM (" + m.Hypervisor + ")"
		}
		for _, mech := range m.Mechanisms {
			row := []string{mech.Backend, mech.Switch, modeText(mech), on}
			if len(r.Machines) > 1 {
				row = append([]string{m.Label}, row...)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// cell prints a series' median with its interval, marking wide spreads.
func cell(s *Series) string {
	if s == nil {
		return "-"
	}
	if s.Error != "" {
		return "failed"
	}
	if s.Summary.N == 0 {
		return "-"
	}
	c := FormatNS(s.Summary.Median)
	if s.Summary.Wide {
		c += " (wide)"
	}
	if s.Summary.Multimodal {
		c += fmt.Sprintf(" (%d modes)", len(s.Summary.Modes))
	}
	return c
}

// ciHeader heads the column of formatCI's cells.
const ciHeader = "CI of the median (coverage)"

// statsNote says how the interval and p99 columns are to be read.
var statsNote = fmt.Sprintf("The interval of the median is a pair of order statistics (no normality assumed): "+
	"the narrowest such pair covering the median with at least 95%% probability where n allows it, so its coverage, "+
	"printed with it (rounded down), is what the sample count gives: 96%% with 9 samples, 98%% with 11 (n < 6 cannot reach 95%%). "+
	"p99 is printed only from %d samples on (\"-\" below): with fewer, the 99th percentile is interpolated between the largest "+
	"samples, essentially the maximum, with no sample above it.", MinP99Samples)

// formatCI prints the interval of the median with its coverage.
func formatCI(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%s – %s (%s)", FormatNS(s.CILow), FormatNS(s.CIHigh), formatCoverage(s.CILevel))
}

// formatCoverage prints a coverage rounded down, so that it never
// claims more than the interval has: 0.9883 is "98%".
func formatCoverage(level float64) string {
	return fmt.Sprintf("%.0f%%", math.Floor(100*level+1e-9))
}

// formatP99 prints p99 where enough samples stand behind it.
func formatP99(s Summary) string {
	if s.N < MinP99Samples {
		return "-"
	}
	return FormatNS(s.P99)
}

// latencyRows is a row per operation key: its label, then its latency
// cell under each column.
func (r *Report) latencyRows(keys []string, labels map[string]string, cols []string) [][]string {
	var rows [][]string
	for _, k := range keys {
		row := []string{labels[k]}
		for _, c := range cols {
			row = append(row, cell(r.Find(c, k)))
		}
		rows = append(rows, row)
	}
	return rows
}

func (r *Report) latencyTable() Table {
	cols := r.Columns()
	t := Table{Title: "Latency per operation",
		Note: "Median over rounds of the mean time per operation; \"(wide)\" marks a median whose spread is too wide to trust (see the detail " +
			"table), \"(2 modes)\" one whose samples fall into separate groups (each mode given in \"Series with more than one mode\"). \"-\": not measured.",
		Header: append([]string{"operation"}, r.ColumnLabels(cols)...)}
	keys, labels := r.Rows()
	t.Rows = r.latencyRows(keys, labels, cols)
	return t
}

// Ratio is a series' median over the none backend's median for the same
// operation on the same machine (NaN when either is missing).
func (r *Report) Ratio(s *Series) float64 {
	col := "none"
	if len(r.Machines) > 1 {
		col = s.Machine + "/none"
	}
	base := r.Find(col, s.Key())
	if base == nil || base.Summary.N == 0 || s.Summary.N == 0 || base.Summary.Median <= 0 || s.Error != "" {
		return math.NaN()
	}
	return s.Summary.Median / base.Summary.Median
}

func (r *Report) ratioTable() (Table, bool) {
	var cols []string
	for _, c := range r.Columns() {
		if c != "none" && !strings.HasSuffix(c, "/none") {
			cols = append(cols, c)
		}
	}
	t := Table{Title: "Cost of isolation: ratio to none",
		Note:   "Each backend's median over the none backend's median for the same operation, measured in the same run.",
		Header: append([]string{"operation"}, r.ColumnLabels(cols)...)}
	keys, labels := r.Rows()
	any := false
	for _, k := range keys {
		row := []string{labels[k]}
		for _, c := range cols {
			v := "-"
			if s := r.Find(c, k); s != nil {
				if x := r.Ratio(s); !math.IsNaN(x) {
					v, any = FormatRatio(x), true
				}
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, any
}

// throughputKeys are the operations whose inverse is reported as a rate.
var throughputKeys = []struct{ key, label string }{
	{"null/call", "library calls/s (null)"},
	{"kv/mixed", "kv operations/s (90% get, 10% set)"},
	{"ipc/ipc", "app->A->B->A->app round trips/s"},
}

func (r *Report) throughputTable() (Table, bool) {
	cols := r.Columns()
	t := Table{Title: "Throughput on one core", Note: "1 / median latency.", Header: append([]string{"rate"}, r.ColumnLabels(cols)...)}
	any := false
	for _, tk := range throughputKeys {
		row := []string{tk.label}
		seen := false
		for _, c := range cols {
			v := "-"
			if s := r.Find(c, tk.key); s != nil && s.Error == "" && s.Summary.Median > 0 {
				v, seen = formatRate(1e9/s.Summary.Median), true
			}
			row = append(row, v)
		}
		if seen {
			t.Rows = append(t.Rows, row)
			any = true
		}
	}
	return t, any
}

func formatRate(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2f G", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2f M", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1f k", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func (r *Report) anchorTable() (Table, bool) {
	t := Table{Title: "Anchors",
		Note:   "Reference costs measured in the same run, so that every ratio is taken side by side. The interval of the median and p99 are as in the detail table.",
		Header: []string{"anchor", "median", "cycles", "p5", "p95", "p99", ciHeader, "n"}}
	if len(r.Machines) > 1 {
		t.Header = append([]string{"machine"}, t.Header...)
	}
	for _, a := range r.Anchors() {
		var row []string
		if a.Error != "" {
			row = []string{a.Label, "unavailable: " + a.Error, "", "", "", "", "", ""}
		} else {
			s := a.Summary
			row = []string{a.Label, cell(a), fmt.Sprintf("%.0f", Summarize(a.Cycles).Median), FormatNS(s.P5), FormatNS(s.P95), formatP99(s),
				formatCI(s), fmt.Sprint(s.N)}
		}
		if len(r.Machines) > 1 {
			row = append([]string{a.Machine}, row...)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, len(t.Rows) > 0
}

// AnchorRatios returns, for each column with a null library call, its
// median over each available anchor's median on the same machine.
func (r *Report) AnchorRatios() (cols []string, anchors []*Series, ratio map[string]map[string]float64) {
	ratio = map[string]map[string]float64{}
	for _, a := range r.Anchors() {
		if a.Error == "" && a.Summary.Median > 0 {
			anchors = append(anchors, a)
		}
	}
	for _, c := range r.Columns() {
		s := r.Find(c, "null/call")
		if s == nil || s.Error != "" || s.Summary.N == 0 {
			continue
		}
		cols = append(cols, c)
		ratio[c] = map[string]float64{}
		for _, a := range anchors {
			if a.Machine == s.Machine {
				ratio[c][a.Workload] = s.Summary.Median / a.Summary.Median
			}
		}
	}
	return cols, anchors, ratio
}

func (r *Report) anchorRatioTable() (Table, bool) {
	cols, anchors, ratio := r.AnchorRatios()
	t := Table{Title: "A protected library call against the anchors",
		Note:   "The null workload's library call (enter and leave a library) over each anchor's median: 2.00x means one call costs two of that anchor.",
		Header: []string{"backend"}}
	for _, a := range anchors {
		t.Header = append(t.Header, "/ "+a.Label)
	}
	if len(r.Machines) > 1 {
		t.Header[0] = "machine/backend"
	}
	for _, c := range cols {
		row := []string{r.ColumnLabel(c)}
		for _, a := range anchors {
			v := "-"
			if x, ok := ratio[c][a.Workload]; ok {
				v = FormatRatio(x)
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, len(cols) > 0 && len(anchors) > 0
}

func (r *Report) detailTable() Table {
	t := Table{Title: "Detail",
		Note:   "Every series: n samples (rounds), each the mean over a batch of operations; median and percentiles in host time; cycles from the TSC. " + statsNote,
		Header: []string{"backend", "operation", "n", "median", "cycles", "p5", "p95", "p99", ciHeader, "x none", "flag"}}
	if len(r.Machines) > 1 {
		t.Header[0] = "machine/backend"
	}
	for i := range r.Series {
		s := &r.Series[i]
		if s.Backend == AnchorBackend {
			continue
		}
		if s.Error != "" {
			t.Rows = append(t.Rows, []string{r.ColumnLabel(r.Column(s)), s.Label, "0", "failed: " + s.Error, "", "", "", "", "", "", ""})
			continue
		}
		m := s.Summary
		flag := ""
		if m.Wide {
			flag = "wide: " + m.WideWhy
		}
		if m.Multimodal {
			flag = strings.TrimPrefix(flag+"; multimodal: "+modesText(m.Modes), "; ")
		}
		ratio := "-"
		if x := r.Ratio(s); !math.IsNaN(x) {
			ratio = FormatRatio(x)
		}
		t.Rows = append(t.Rows, []string{r.ColumnLabel(r.Column(s)), s.Label, fmt.Sprint(m.N), FormatNS(m.Median),
			fmt.Sprintf("%.0f", Summarize(s.Cycles).Median), FormatNS(m.P5), FormatNS(m.P95), formatP99(m),
			formatCI(m), ratio, flag})
	}
	return t
}

// Markdown renders every table as GitHub-flavoured Markdown.
func (r *Report) Markdown() string {
	var b strings.Builder
	b.WriteString("# plib: the cost of isolating a library" + r.titleMark() + "\n\n")
	for _, m := range r.Machines {
		b.WriteString(untrusted.Markdown(m.measuredOn()) + ".\n")
	}
	if r.Partial != nil {
		fmt.Fprintf(&b, "\n**A partial report**: %s.\n", r.Partial)
	}
	if r.Settings.Quick {
		b.WriteString("\nA --quick run: few samples; figures flagged wide are not to be quoted.\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nNote: %s\n", untrusted.Markdown(n))
	}
	if v := r.Verdict(); len(v) > 0 {
		b.WriteString("\n## Verdict\n\nFor each workload, the isolating backends from cheapest to dearest on this machine, generated from the " +
			"measurements below. " + verdictIntervals + "\n\n")
		writeVerdict(&b, v)
	}
	for _, t := range r.Tables() {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", untrusted.Markdown(t.Title), untrusted.Markdown(t.Note))
		t.writeRows(&b)
	}
	return b.String()
}

// writeRows writes the table's header and rows in Markdown.
func (t Table) writeRows(b *strings.Builder) {
	b.WriteString("| " + strings.Join(escapeAll(t.Header), " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(t.Header)) + "\n")
	for _, row := range t.Rows {
		b.WriteString("| " + strings.Join(escapeAll(row), " | ") + " |\n")
	}
}

// ReadmeTables are the tables docs/measured-results.md quotes from a run,
// in order.
var ReadmeTables = []string{"Latency per operation", "Each mechanism over its floor", "Anchors", "How to reproduce this run"}

// ReadmeSection is what docs/measured-results.md carries of a run: the
// machine, the verdict and ReadmeTables, generated from the report alone,
// so the document is regenerated from a run, never edited.
func (r *Report) ReadmeSection() string {
	var b strings.Builder
	r.writeMachines(&b, ", every round a sample")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nNote: %s\n", untrusted.Markdown(n))
	}
	if v := r.Verdict(); len(v) > 0 {
		b.WriteString("\n**Verdict** (the isolating backends from cheapest to dearest, per workload):\n\n")
		writeVerdict(&b, v)
	}
	tables := map[string]Table{}
	for _, t := range r.Tables() {
		tables[t.Title] = t
	}
	for _, title := range ReadmeTables {
		t, ok := tables[title]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "\n**%s.** %s\n\n", untrusted.Markdown(t.Title), untrusted.Markdown(t.Note))
		t.writeRows(&b)
	}
	return b.String()
}

// writeMachines writes the partial mark, if any, and a line per machine
// with the runs per backend and then more.
func (r *Report) writeMachines(b *strings.Builder, more string) {
	if r.Partial != nil {
		fmt.Fprintf(b, "**A partial report**: %s.\n\n", r.Partial)
	}
	for _, m := range r.Machines {
		fmt.Fprintf(b, "%s; %d runs per backend%s.\n", untrusted.Markdown(m.measuredOn()), r.Settings.Runs, more)
	}
}

// ReadmeHeadline is the small table README.md opens its results with: the
// machine, and each workload's first operation (the one the verdict
// judges it by) per backend, generated from the report alone. The full
// section (ReadmeSection) lives in docs/measured-results.md.
func (r *Report) ReadmeHeadline() string {
	var b strings.Builder
	r.writeMachines(&b, "")
	var keys []string
	seen := map[string]bool{}
	for _, m := range r.Machines {
		for _, k := range r.representative(m.Label) {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		b.WriteString("\nNothing was measured.\n")
		return b.String()
	}
	cols := r.Columns()
	t := Table{Header: append([]string{"operation"}, r.ColumnLabels(cols)...)}
	_, labels := r.Rows()
	t.Rows = r.latencyRows(keys, labels, cols)
	b.WriteString("\n")
	t.writeRows(&b)
	return b.String()
}

// measuredOn says where a run was measured: the machine, its CPU, cores,
// kernel and TSC, and plib's version.
func (m Machine) measuredOn() string {
	s := fmt.Sprintf("Measured on %s: %s, %d logical cores, kernel %s, TSC %.3f GHz", m.Label, m.CPUModel, m.Cores, m.Kernel, m.TSCHz/1e9)
	if v := m.Versions["plib"]; v != "" {
		s += ", plib " + v
	}
	return s
}

// writeVerdict writes the verdict's lines as a Markdown list.
func writeVerdict(b *strings.Builder, v []VerdictLine) {
	for _, l := range v {
		b.WriteString("- **" + untrusted.Markdown(l.Operation) + "**: " + untrusted.Markdown(l.Text) + "\n")
	}
}

// escapeAll makes cells Markdown table cells: each shows its text and
// nothing else (a report's strings are an image's, or a merged file's).
func escapeAll(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = untrusted.Markdown(c)
	}
	return out
}
