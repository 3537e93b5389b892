package report

import (
	"math"
	"math/rand/v2"
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
