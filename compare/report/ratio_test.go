package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestMedianRatioCovers: over many draws of two series whose true
// medians are known, the ratio's interval holds the true ratio at least
// as often as its stated level, and is not so wide that it always does.
func TestMedianRatioCovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	draw := func(n int, median, sigma float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = median * math.Exp(sigma*rng.NormFloat64())
		}
		return x
	}
	for _, n := range []int{9, 41, 200} {
		const trials = 2000
		covered, level, width := 0, 1.0, 0.0
		for i := 0; i < trials; i++ {
			c, ok := MedianRatio(Summarize(draw(n, 3000, 0.3)), Summarize(draw(n, 1000, 0.2)))
			if !ok {
				t.Fatal("no ratio")
			}
			if c.Low <= 3 && 3 <= c.High {
				covered++
			}
			if c.Low > c.Ratio || c.High < c.Ratio {
				t.Fatalf("the ratio %v lies outside its interval %v", c.Ratio, c)
			}
			level, width = math.Min(level, c.Level), width+(c.High-c.Low)/trials
		}
		got := float64(covered) / trials
		t.Logf("n=%d: the interval held 3x in %.1f%% of draws (stated %.1f%%), mean width %.2fx", n, 100*got, 100*level, width)
		if got < level-0.02 {
			t.Errorf("n=%d: covered %.3f, stated at least %.3f", n, got, level)
		}
		if n == 200 && width/3 > 0.3 {
			t.Errorf("n=200: mean width %.2fx of 3x: the interval says nothing", width)
		}
	}
	if _, ok := MedianRatio(Summarize(nil), Summarize([]float64{1, 2})); ok {
		t.Error("a ratio over an empty series")
	}
}

// TestVerdictGivesIntervals: the verdict's figures carry their
// intervals, and two backends whose intervals overlap are said not to
// be told apart.
func TestVerdictGivesIntervals(t *testing.T) {
	r := load(t, "quick.json")
	var text string
	for _, l := range r.Verdict() {
		text += l.Text + "\n"
	}
	if !strings.Contains(text, " none") || !strings.Contains(text, "x – ") || !strings.Contains(text, "%]") {
		t.Errorf("no interval in the verdict:\n%s", text)
	}
	a := RatioCI{Ratio: 1.1, Low: 0.9, High: 1.3}
	if !a.Overlaps(RatioCI{Ratio: 1.25, Low: 1.2, High: 1.4}) || a.Overlaps(RatioCI{Ratio: 2, Low: 1.5, High: 2.5}) {
		t.Error("Overlaps")
	}
	t.Log(text)
}

// invalidate marks series invalid as a failed run does: an error, no
// samples.
func invalidate(r *Report, workload, metric string, backends ...string) {
	for i := range r.Series {
		s := &r.Series[i]
		if s.Workload == workload && s.Metric == metric && slices.Contains(backends, s.Backend) {
			s.Error, s.Cycles, s.NS, s.Summary = "reported 0 cycles", nil, nil, Summary{}
		}
	}
}

// TestInvalidFigureHidesNothing: a workload whose first figure is
// invalid everywhere is judged by its next one, and a backend with no
// valid figure for the operation is named in the summary and the
// verdict instead of vanishing.
func TestInvalidFigureHidesNothing(t *testing.T) {
	r := load(t, "quick.json")
	invalidate(r, "null", "call", "none", "vmfunc", "mprotect", "process")
	invalidate(r, "ipc", "call", "mprotect", "process")
	has := func(lines []string, prefix string, want ...string) {
		t.Helper()
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				for _, w := range want {
					if !strings.Contains(l, w) {
						t.Errorf("%q lacks %q", l, w)
					}
				}
				return
			}
		}
		t.Errorf("no line for %q in %q", prefix, lines)
	}
	var verdict []string
	for _, v := range r.Verdict() {
		verdict = append(verdict, v.Operation+": "+v.Text)
	}
	_, labels := r.Rows()
	for what, lines := range map[string][]string{"summary": r.SummaryLines(), "verdict": verdict} {
		t.Run(what, func(t *testing.T) {
			has(lines, labels["null/sys_nop"], "vmfunc", "mprotect", "process")
			has(lines, labels["ipc/ipc"], "vmfunc", "mprotect", "process")
		})
	}
	invalidate(r, "ipc", "ipc", "mprotect", "process")
	has(r.SummaryLines(), labels["ipc/call"], "no valid figure from mprotect (reported 0 cycles), process (reported 0 cycles)")
}
