package report

import (
	"bytes"
	"os"
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
