package report

import (
	"bytes"
	"encoding/csv"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the recorded reports")

func TestQuantile(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {0.5, 6}, {1, 11}, {0.05, 1.5}, {0.95, 10.5}, {0.99, 10.9}} {
		if got := Quantile(x, c.q); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("the quantile of nothing must be NaN")
	}
}

// TestMedianCI checks the order-statistic ranks against published tables
// (e.g. Conover, Practical Nonparametric Statistics: n=10 -> ranks 2 and
// 9, coverage 97.9%; n=20 -> ranks 6 and 15, 95.9%).
func TestMedianCI(t *testing.T) {
	for _, c := range []struct {
		n, lo, hi int
		level     float64
	}{{10, 1, 8, 0.9785}, {20, 5, 14, 0.9586}, {5, 0, 4, 0.9375}, {41, 13, 27, 0.9724}} {
		lo, hi, level := medianCI(c.n, 0.95)
		if lo != c.lo || hi != c.hi || math.Abs(level-c.level) > 5e-4 {
			t.Errorf("n=%d: ranks %d..%d at %.4f, want %d..%d at %.4f", c.n, lo, hi, level, c.lo, c.hi, c.level)
		}
	}
}

func TestSummarizeFlagsWideSpreads(t *testing.T) {
	tight := []float64{100, 101, 99, 100, 100, 102, 98, 100, 101, 99}
	if s := Summarize(tight); s.Wide || s.Median != 100 || s.N != 10 {
		t.Errorf("tight samples: %+v", s)
	}
	loose := []float64{100, 150, 60, 100, 210, 90, 40, 120, 100, 300}
	if s := Summarize(loose); !s.Wide || !strings.Contains(s.WideWhy, "interval spans") {
		t.Errorf("loose samples not flagged: %+v", s)
	}
	if s := Summarize([]float64{1, 2, 3}); !s.Wide || !strings.Contains(s.WideWhy, "only 3 samples") {
		t.Errorf("3 samples not flagged: %+v", s)
	}
	if s := Summarize(nil); !s.Wide || s.N != 0 {
		t.Errorf("no samples: %+v", s)
	}
	in := []float64{3, 1, 2}
	Summarize(in)
	if in[0] != 3 {
		t.Error("Summarize sorted its argument in place")
	}
}

func load(t *testing.T, name string) *Report {
	t.Helper()
	r, err := Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./compare/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(go test ./compare/report -update rewrites it, then review the diff)", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs in length: %d lines, want %d", name, len(gl), len(wl))
	}
}

// TestGoldenReports renders the recorded reports and compares them with
// golden files a reviewer can read.
func TestGoldenReports(t *testing.T) {
	for _, name := range []string{"quick", "quick-none-vmfunc"} {
		r := load(t, name+".json")
		golden(t, name+".md", []byte(r.Markdown()))
		golden(t, name+".headline.md", []byte(r.ReadmeHeadline()))
		var b bytes.Buffer
		if err := r.CSV(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, name+".csv", b.Bytes())
	}
	m, err := Merge([]string{"testdata/quick.json", "testdata/quick-none-vmfunc.json"})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "merged.md", []byte(m.Markdown()))
	golden(t, "merged.headline.md", []byte(m.ReadmeHeadline()))
}

// TestMarkdownTables checks what the golden files show: the verdict opens
// the report, the mechanism table comes next and labels every backend,
// ratios are taken to none.
func TestMarkdownTables(t *testing.T) {
	r := load(t, "quick.json")
	md := r.Markdown()
	heads := regexp.MustCompile(`(?m)^## (.*)$`).FindAllStringSubmatch(md, -1)
	if len(heads) < 6 || heads[0][1] != "Verdict" || heads[1][1] != "How each backend ran" {
		t.Fatalf("first table is %v", heads)
	}
	for _, want := range []string{"| vmfunc | VMFUNC leaf 0 (EPTP switching) | emulated by vmm |", "| pku |", "unavailable: ",
		"| none | plain call | no isolation", "AMD EPYC", "empty KVM exit round trip", "getpid system call"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q", want)
		}
	}
	// A ratio to none is the quotient of the two medians.
	vm, none := r.Find("vmfunc", "null/call"), r.Find("none", "null/call")
	if vm == nil || none == nil {
		t.Fatal("no null call series")
	}
	if got, want := r.Ratio(vm), vm.Summary.Median/none.Summary.Median; math.Abs(got-want) > 1e-9 || got < 100 {
		t.Errorf("ratio %v, want %v (and emulated VMFUNC far above a plain call)", got, want)
	}
}

func TestCSVHasARowPerSeries(t *testing.T) {
	r := load(t, "quick.json")
	var b bytes.Buffer
	if err := r.CSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.Series)+1 || rows[0][7] != "median_ns" {
		t.Fatalf("%d rows for %d series; header %v", len(rows), len(r.Series), rows[0])
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	r := load(t, "quick.json")
	var b bytes.Buffer
	if err := r.HTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(page, "<svg"); n < 5 {
		t.Errorf("%d charts, want at least 5", n)
	}
	if i, j := strings.Index(page, `id="mechanisms"`), strings.Index(page, "<svg"); i < 0 || i > j {
		t.Error("the mechanism table must come before the charts")
	}
	if !strings.Contains(page, "Content-Security-Policy") {
		t.Error("no CSP")
	}
	// Nothing that fetches: no src/href attribute, no url() but data:.
	for _, re := range []string{`(?i)\ssrc\s*=`, `(?i)\shref\s*=`, `(?i)url\((?:["']?)(?:https?:|//)`, `(?i)<script`, `(?i)<link`} {
		if m := regexp.MustCompile(re).FindString(page); m != "" {
			t.Errorf("the page has %q: it must fetch nothing", m)
		}
	}
}

func TestMergeSetsMachinesSideBySide(t *testing.T) {
	m, err := Merge([]string{"testdata/quick.json", "testdata/quick.json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Machines) != 2 || m.Machines[0].Label == m.Machines[1].Label {
		t.Fatalf("machines %v", m.Machines)
	}
	cols := m.Columns()
	a, b := m.Machines[0].Label+"/none", m.Machines[1].Label+"/none"
	if len(cols) < 4 || cols[0] != a || !slices.Contains(cols, b) {
		t.Fatalf("columns %v", cols)
	}
	// Ratios stay within one machine.
	s := m.Find(m.Machines[1].Label+"/vmfunc", "null/call")
	if s == nil || math.IsNaN(m.Ratio(s)) {
		t.Fatal("no ratio for the second machine's vmfunc")
	}
	if _, err := Merge([]string{"testdata/quick.json", "testdata/nonexistent.json"}); err == nil {
		t.Error("merging a missing file succeeded")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"format_version": 99, "machines": [{}]}`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "format 99") {
		t.Errorf("a report of another format: %v", err)
	}
}

// TestColumnLabelsCarryTheEmulation: a header or legend copied out of
// the report still says that a switch was emulated.
func TestColumnLabelsCarryTheEmulation(t *testing.T) {
	r := load(t, "quick.json")
	if got := r.ColumnLabel("vmfunc"); got != "vmfunc (emulated by vmm)" {
		t.Errorf("vmfunc's label is %q", got)
	}
	if got := r.ColumnLabel("mprotect"); got != "mprotect" {
		t.Errorf("mprotect's label is %q", got)
	}
	for _, c := range r.Columns() {
		if c == "pku" {
			t.Error("an unavailable backend is a column")
		}
	}
	m, err := Merge([]string{"testdata/quick.json", "testdata/quick.json"})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.ColumnLabel("vm#2/vmfunc"); got != "vm#2/vmfunc (emulated by vmm)" {
		t.Errorf("merged vmfunc's label is %q", got)
	}
}

// TestIntervalsSayTheirCoverage: the interval prints the coverage its
// sample count gives, and p99 needs MinP99Samples samples.
func TestIntervalsSayTheirCoverage(t *testing.T) {
	x := make([]float64, 9)
	for i := range x {
		x[i] = float64(100 + i)
	}
	s := Summarize(x)
	if got := formatCI(s); !strings.HasSuffix(got, "(96%)") {
		t.Errorf("9 samples: %q, want a 96%% interval", got)
	}
	if got := formatP99(s); got != "-" {
		t.Errorf("p99 of 9 samples printed as %q", got)
	}
	x = make([]float64, MinP99Samples)
	for i := range x {
		x[i] = float64(i)
	}
	if got := formatP99(Summarize(x)); got == "-" {
		t.Errorf("p99 of %d samples not printed", MinP99Samples)
	}
}

// TestSummaryLines: one line per workload, the columns fastest first,
// the emulation caveat and the multiple of memcached for kv.
func TestSummaryLines(t *testing.T) {
	r := load(t, "quick.json")
	lines := r.SummaryLines()
	if len(lines) != 3 {
		t.Fatalf("%d summary lines, want one per workload:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	kv := lines[1]
	for _, want := range []string{"kv: get 128 B: none 41.2 ns", "vmfunc (emulated by vmm) 54.64 µs", "slower than memcached", "memcached 26.64 µs"} {
		if !strings.Contains(kv, want) {
			t.Errorf("the kv line lacks %q:\n%s", want, kv)
		}
	}
	if strings.Index(kv, "memcached 26.64") > strings.Index(kv, "mprotect") {
		t.Errorf("not fastest first: %s", kv)
	}
}

// TestMergeShowsTheChange: a merged report has the change table (the
// later machine's median over the first's) and says how each report
// was run.
func TestMergeShowsTheChange(t *testing.T) {
	m, err := Merge([]string{"testdata/quick.json", "testdata/quick-none-vmfunc.json"})
	if err != nil {
		t.Fatal(err)
	}
	md := m.Markdown()
	for _, want := range []string{"## Change between reports", "| vmfunc (emulated by vmm): vm#2 / vm |",
		"| command (report 2: testdata/quick-none-vmfunc.json) | bin/vmm compare --quick --backend none"} {
		if !strings.Contains(md, want) {
			t.Errorf("the merged report lacks %q", want)
		}
	}
	if strings.Contains(load(t, "quick.json").Markdown(), "Change between") {
		t.Error("a single report has a change table")
	}
}

// TestBaselineFacts: a dds-pingpong row is set against the UDP and
// ddsperf anchors of its machine, a kv row against memcached only.
func TestBaselineFacts(t *testing.T) {
	r := load(t, "quick.json")
	machine := r.Machines[0].Label
	for name, ns := range map[string]float64{"dds-udp": 20000, "dds-ddsperf": 7000} {
		r.Series = append(r.Series, Series{Machine: machine, Backend: AnchorBackend, Workload: name, NS: []float64{ns}, Cycles: []float64{ns * 2.6}})
	}
	r.Summarize()
	got := strings.Join(r.baselineFacts(machine, "dds-pingpong/rtt", 350, true), "; ")
	for _, want := range []string{"57x faster than kernel UDP sockets over loopback", "20x faster than Cyclone DDS's ddsperf over loopback"} {
		if !strings.Contains(got, want) {
			t.Errorf("dds facts %q lack %q", got, want)
		}
	}
	if got := strings.Join(r.baselineFacts(machine, "dds-pingpong/rtt", 70000, false), "; "); !strings.Contains(got, "10x slower than ddsperf") {
		t.Errorf("dds facts, short: %q", got)
	}
	if got := r.baselineFacts(machine, "kv/get_128", 1000, true); len(got) != 1 || !strings.Contains(got[0], "memcached") {
		t.Errorf("kv facts: %q, want memcached's only", got)
	}
}
