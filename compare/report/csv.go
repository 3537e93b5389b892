package report

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
)

// CSV writes one row per series: its summary in nanoseconds, its median
// in cycles and its ratio to none. Samples themselves are in report.json.
func (r *Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"machine", "backend", "workload", "metric", "label", "n", "median_ns", "p5_ns", "p95_ns", "p99_ns",
		"ci_low_ns", "ci_high_ns", "median_cycles", "ratio_to_none", "wide", "error"})
	f := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	for i := range r.Series {
		s := &r.Series[i]
		m := s.Summary
		ratio := math.NaN()
		if s.Backend != AnchorBackend {
			ratio = r.Ratio(s)
		}
		cyc := math.NaN()
		if len(s.Cycles) > 0 {
			cyc = Summarize(s.Cycles).Median
		}
		if m.N == 0 {
			m.Median, m.P5, m.P95, m.P99, m.CILow, m.CIHigh = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		}
		cw.Write([]string{s.Machine, s.Backend, s.Workload, s.Metric, s.Label, strconv.Itoa(m.N), f(m.Median), f(m.P5), f(m.P95), f(m.P99),
			f(m.CILow), f(m.CIHigh), f(cyc), f(ratio), strconv.FormatBool(m.Wide), s.Error})
	}
	cw.Flush()
	return cw.Error()
}
