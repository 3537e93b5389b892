package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Mode is one mode of a series whose samples fall into separate groups:
// its share of the samples and where it lies.
type Mode struct {
	N      int     `json:"n"`
	Weight float64 `json:"weight"` // N over the series' samples
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// The limits of a split into modes.
const (
	// MinModeWeight and MinModeN: every mode holds at least this share
	// of the samples and at least this many, so that a few outliers, or
	// the sparse tail of a small series, are a tail, not a mode.
	MinModeWeight = 0.10
	MinModeN      = 8
	// MinModeSamples: a series with fewer samples is never split.
	MinModeSamples = 2 * MinModeN
	// MinModeRatio: the facing samples of two adjacent modes are at least
	// this far apart (1.5x), so that a quantised or merely noisy series
	// is never split.
	MinModeRatio = 1.5
	maxModes     = 4
)

// FindModes splits samples into modes where their distribution has more
// than one, and returns nil where it has one.
//
// The method is a gap split on log values: sort the logarithms; among
// the cuts that leave each side at least MinModeWeight of all samples,
// take the widest gap between neighbours. It separates two modes when
// that gap is at least log(MinModeRatio) and wider than each side's
// whole range (in log): the empty stretch between the groups is wider
// than either group, so a smooth unimodal density, however skewed or
// noisy, is not split (its widest gaps lie in a sparse tail that spans
// more than they do), while a series half at 360 ns and half above
// 100 µs is. Each side is then split again the
// same way, up to four modes. Logarithms make the test scale-free (a
// 2x gap counts the same at 100 ns as at 100 µs); a series with a value
// that is not positive and finite is not split (it is invalid anyway).
func FindModes(samples []float64) []Mode {
	n := len(samples)
	if n < MinModeSamples {
		return nil
	}
	x := append([]float64(nil), samples...)
	sort.Float64s(x)
	lx := make([]float64, n)
	for i, v := range x {
		if !(v > 0) || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
		lx[i] = math.Log(v)
	}
	minN := max(MinModeN, int(math.Ceil(MinModeWeight*float64(n))))
	cuts := splitModes(lx, 0, n, minN)
	if len(cuts) == 0 {
		return nil
	}
	var modes []Mode
	lo := 0
	for _, hi := range append(cuts, n) {
		part := x[lo:hi]
		modes = append(modes, Mode{N: len(part), Weight: float64(len(part)) / float64(n),
			Median: Quantile(part, 0.5), Min: part[0], Max: part[len(part)-1]})
		lo = hi
	}
	return modes
}

// splitModes returns the cuts (indexes of each later mode's first
// sample) that split lx[lo:hi] into modes, in order.
func splitModes(lx []float64, lo, hi, minN int) []int {
	best, gap := -1, 0.0
	for i := lo + minN; i <= hi-minN; i++ { // the cut falls before lx[i]
		if g := lx[i] - lx[i-1]; g > gap {
			best, gap = i, g
		}
	}
	if best < 0 || gap < math.Log(MinModeRatio) || gap <= lx[best-1]-lx[lo] || gap <= lx[hi-1]-lx[best] {
		return nil
	}
	left := splitModes(lx, lo, best, minN)
	right := splitModes(lx, best, hi, minN)
	cuts := append(append(left, best), right...)
	if len(cuts)+1 > maxModes {
		return []int{best}
	}
	return cuts
}

// modesText says where each mode lies: "45% at 360 ns, 55% at 120 µs
// (100 µs – 1.2 ms)".
func modesText(ms []Mode) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, fmt.Sprintf("%.0f%% at %s (%s – %s)", 100*m.Weight, FormatNS(m.Median), FormatNS(m.Min), FormatNS(m.Max)))
	}
	return strings.Join(parts, ", ")
}
