package report

import (
	"fmt"
	"math"
)

// RatioCI is a ratio of two medians with an interval: Low and High bound
// the ratio of the true medians with at least Level confidence.
type RatioCI struct {
	Ratio, Low, High, Level float64
}

// MedianRatio is a's median over b's, with the interval the medians'
// own intervals give: both hold at once with probability at least the
// product of their coverages (the two series are sampled independently),
// and while both hold the true ratio lies in [a.CILow/b.CIHigh,
// a.CIHigh/b.CILow]. False when either summary is empty or not positive.
func MedianRatio(a, b Summary) (RatioCI, bool) {
	if a.N == 0 || b.N == 0 || !(a.Median > 0) || !(b.Median > 0) || !(a.CILow > 0) || !(b.CILow > 0) {
		return RatioCI{}, false
	}
	return RatioCI{Ratio: a.Median / b.Median, Low: a.CILow / b.CIHigh, High: a.CIHigh / b.CILow, Level: a.CILevel * b.CILevel}, true
}

// String prints the ratio and its interval: "12.3x [11.0x – 13.9x, 90%]".
func (c RatioCI) String() string {
	return fmt.Sprintf("%s [%s – %s, %s]", FormatRatio(c.Ratio), FormatRatio(c.Low), FormatRatio(c.High), formatCoverage(c.Level))
}

// Overlaps says whether two ratios' intervals overlap: their order is
// then not established by the data.
func (c RatioCI) Overlaps(d RatioCI) bool { return c.Low <= d.High && d.Low <= c.High }

// RatioToNone is a series' median over none's for the same operation on
// the same machine, with its interval (false when either is missing).
func (r *Report) RatioToNone(s *Series) (RatioCI, bool) {
	col := "none"
	if len(r.Machines) > 1 {
		col = s.Machine + "/none"
	}
	base := r.Find(col, s.Key())
	if base == nil || s.Error != "" || base.Error != "" || math.IsNaN(r.Ratio(s)) {
		return RatioCI{}, false
	}
	return MedianRatio(s.Summary, base.Summary)
}

// verdictIntervals says how the verdict's brackets are read.
const verdictIntervals = "Brackets give each median's interval and each ratio's, with their coverage: a ratio's interval holds while both medians' do. " +
	"A backend \"not told apart from\" the one before it is dearer by its median only: the interval of their ratio reaches 1x."
