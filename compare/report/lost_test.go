package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// interruptedEarly is what an interrupt during the first workload's runs
// leaves: that workload's only series failed (the run was stopped), the
// others were never measured.
func interruptedEarly(t *testing.T) *Report {
	t.Helper()
	r := load(t, "quick.json")
	var keep []Series
	for _, s := range r.Series {
		if s.Workload == "null" && s.Backend == "none" {
			s.Cycles, s.NS, s.Error = nil, nil, "context canceled"
			keep = append(keep, s)
		}
	}
	r.Series = keep
	r.Summarize()
	return r
}

// TestNothingToDrawIsANote: a chart whose every series failed is a note
// in the HTML page where the chart would be, and no file; the page and
// the other charts are still written.
func TestNothingToDrawIsANote(t *testing.T) {
	r := interruptedEarly(t)
	var b bytes.Buffer
	if err := r.HTML(&b); err != nil {
		t.Fatalf("HTML of a report with nothing to draw: %v", err)
	}
	if !strings.Contains(b.String(), "Latency per operation: null (median, p5–p95): nothing to draw") {
		t.Errorf("the page does not say which chart had nothing to draw:\n%s", b.String())
	}
	dir := t.TempDir()
	paths, err := r.WriteCharts(dir)
	if err != nil {
		t.Fatalf("WriteCharts: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(paths) != 0 || len(ents) != 0 {
		t.Errorf("files written for a chart with nothing to draw: %v", paths)
	}
	if _, err := r.Charts(); err != nil {
		t.Error(err)
	}
}

// TestWriteFilesEachOnItsOwn: a format that cannot be written (here
// report.json, its path taken by a directory) stops none of the others,
// and the error names it alone.
func TestWriteFilesEachOnItsOwn(t *testing.T) {
	r := load(t, "quick.json")
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "report.json"), 0o755)
	paths, err := r.WriteFiles(dir)
	if got := FailedFormats(err); len(got) != 1 || got[0] != "report.json" {
		t.Errorf("failed formats %v (%v), want report.json alone", got, err)
	}
	if len(paths) != len(Formats)-1 {
		t.Errorf("wrote %v, want every format but report.json", paths)
	}
	for _, f := range Formats[1:] {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("one format failing stopped another: %v", err)
		}
	}
}

// TestPartialIsMarkedEverywhere: a partial report says so in report.json,
// every row of report.csv, report.bench.txt, report.md and the HTML title.
func TestPartialIsMarkedEverywhere(t *testing.T) {
	r := load(t, "quick.json")
	r.Partial = &Partial{StepsDone: 3, StepsTotal: 20}
	dir := t.TempDir()
	if _, err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(filepath.Join(dir, "report.json"))
	if err != nil || back.Partial == nil || *back.Partial != *r.Partial {
		t.Errorf("report.json: %v, %+v", err, back)
	}
	f, _ := os.Open(filepath.Join(dir, "report.csv"))
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][len(rows[0])-1] != "partial" {
		t.Fatalf("report.csv: %v %v", err, rows)
	}
	for _, row := range rows[1:] {
		if row[len(row)-1] != "true" {
			t.Errorf("report.csv row not partial: %v", row)
		}
	}
	for name, says := range map[string]string{
		"report.bench.txt": "\npartial: interrupted after 3 of 20 steps",
		"report.md":        "# plib: the cost of isolating a library (partial: interrupted)\n",
		"report.html":      "<title>plib: the cost of isolating a library (partial: interrupted)</title>",
	} {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); !strings.Contains(string(b), says) {
			t.Errorf("%s does not say %q", name, says)
		}
	}
	for name, s := range map[string]string{"measured section": r.ReadmeSection(), "README headline": r.ReadmeHeadline()} {
		if !strings.HasPrefix(s, "**A partial report**: interrupted after 3 of 20 steps") {
			t.Errorf("the %s is not marked partial: %.200q", name, s)
		}
	}
	// Interrupted before the first step: the CSV still says so.
	empty := *r
	empty.Series, empty.Partial = nil, &Partial{StepsTotal: 20}
	var eb bytes.Buffer
	if err := empty.CSV(&eb); err != nil {
		t.Fatal(err)
	}
	if rows, err := csv.NewReader(&eb).ReadAll(); err != nil || len(rows) != 2 || rows[1][len(rows[1])-1] != "true" ||
		!strings.Contains(rows[1][len(rows[1])-2], "nothing was measured") {
		t.Errorf("report.csv of a run interrupted before its first step: %v %q", err, rows)
	}
	r.Partial = nil
	var b bytes.Buffer
	r.CSV(&b)
	if strings.Contains(b.String(), ",true\n") || strings.Contains(r.Markdown(), "partial") || strings.Contains(r.ReadmeSection(), "partial") || strings.Contains(r.ReadmeHeadline(), "partial") {
		t.Error("a complete report is marked partial")
	}
}

// TestWrittenReportMerges: a run's failure texts and notes may quote a
// workload (control characters, any length); the report.json written
// still reads back under --merge's rules, with the text shown escaped.
func TestWrittenReportMerges(t *testing.T) {
	r := load(t, "quick.json")
	r.Series[0].Error = "exited: \x1b[2J\u202e" + strings.Repeat("x", 5000)
	r.Notes = append(r.Notes, "note\x07")
	dir := t.TempDir()
	if _, err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatalf("the report written does not merge: %v", err)
	}
	if e := back.Series[0].Error; !strings.HasPrefix(e, `exited: \x1b[2J\u202e`) || len(e) > maxText {
		t.Errorf("error text %.60q (%d bytes)", e, len(e))
	}
}
