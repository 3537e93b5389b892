package report

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Summary is what a series of samples says: order statistics and a
// distribution-free confidence interval for the median.
type Summary struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	P5     float64 `json:"p5"`
	P95    float64 `json:"p95"`
	P99    float64 `json:"p99"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// CILow and CIHigh bound the median with at least CILevel confidence
	// (order statistics of a Binomial(N, 1/2); no normality assumed).
	CILow   float64 `json:"ci_low"`
	CIHigh  float64 `json:"ci_high"`
	CILevel float64 `json:"ci_level"`
	// Wide says the spread is too wide to trust the median as a figure:
	// see WideWhy.
	Wide    bool   `json:"wide"`
	WideWhy string `json:"wide_why,omitempty"`
	// Multimodal says the samples fall into separate groups (FindModes),
	// each in Modes: the median alone would describe none of them.
	Multimodal bool   `json:"multimodal"`
	Modes      []Mode `json:"modes,omitempty"`
}

// Limits that flag a summary as too wide to trust.
const (
	MinSamples   = 6    // fewer samples cannot give a 95% CI for the median (5 give at most 93.75%)
	MaxCIRelSpan = 0.10 // CI of the median wider than 10% of it
	// MinP99Samples is the fewest samples a p99 is printed from: with
	// n >= 100 at least one sample lies above the 99th percentile, so it
	// is not just the maximum under another name.
	MinP99Samples = 100
)

// Summarize computes the summary of samples (in any order; not modified).
func Summarize(samples []float64) Summary {
	n := len(samples)
	if n == 0 {
		return Summary{Wide: true, WideWhy: "no samples"}
	}
	x := append([]float64(nil), samples...)
	sort.Float64s(x)
	s := Summary{N: n, Median: Quantile(x, 0.5), P5: Quantile(x, 0.05), P95: Quantile(x, 0.95),
		P99: Quantile(x, 0.99), Min: x[0], Max: x[n-1]}
	s.Modes = FindModes(x)
	s.Multimodal = len(s.Modes) > 1
	lo, hi, level := medianCI(n, 0.95)
	s.CILow, s.CIHigh, s.CILevel = x[lo], x[hi], level
	switch {
	case n < MinSamples:
		s.Wide, s.WideWhy = true, fmt.Sprintf("only %d samples (at least %d give a 95%% interval)", n, MinSamples)
	case s.Median > 0 && (s.CIHigh-s.CILow)/s.Median > MaxCIRelSpan:
		s.Wide, s.WideWhy = true, fmt.Sprintf("the median's %s interval spans %.0f%% of it (limit %.0f%%)",
			formatCoverage(level), 100*(s.CIHigh-s.CILow)/s.Median, 100*MaxCIRelSpan)
	}
	return s
}

// Quantile is the q-quantile of sorted x, interpolating linearly between
// order statistics (Hyndman and Fan's type 7, as R and NumPy default).
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	i := int(math.Floor(h))
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// medianCI returns 0-based ranks lo, hi such that [x[lo], x[hi]] covers
// the median with probability level >= want where n allows it, and the
// coverage it has. For small n the widest interval, [min, max], is
// returned with its (lower) coverage.
func medianCI(n int, want float64) (lo, hi int, level float64) {
	b := distuv.Binomial{N: float64(n), P: 0.5}
	lo, hi = 0, n-1
	level = 1 - 2*b.CDF(0)
	// Narrow symmetrically while coverage stays >= want:
	// P(x[k] <= median <= x[n-1-k]) = 1 - 2 P(B <= k).
	for k := 1; k < n-1-k; k++ {
		c := 1 - 2*b.CDF(float64(k))
		if c < want {
			break
		}
		lo, hi, level = k, n-1-k, c
	}
	return lo, hi, level
}
