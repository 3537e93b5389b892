package report

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"

	"plib/untrusted"
)

// CSV writes one row per series: its summary in nanoseconds, its median
// in cycles and its ratio to none. Samples themselves are in report.json.
// backend is the raw name; column is what the tables head it with
// ("vmfunc (emulated by vmm)"). p99_ns is empty under MinP99Samples
// samples, as in the tables. partial is true on every row of an
// interrupted run's report.
func (r *Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"machine", "backend", "column", "workload", "metric", "label", "n", "median_ns", "p5_ns", "p95_ns", "p99_ns",
		"ci_low_ns", "ci_high_ns", "ci_level", "median_cycles", "ratio_to_none", "wide", "error", "partial"}
	cw.Write(header)
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
		column := ""
		if s.Backend != AnchorBackend {
			column = r.ColumnLabel(r.Column(s))
		}
		if m.N < MinP99Samples {
			m.P99 = math.NaN()
		}
		level := strconv.FormatFloat(m.CILevel, 'f', 4, 64)
		if m.N == 0 {
			level = ""
			m.Median, m.P5, m.P95, m.P99, m.CILow, m.CIHigh = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		}
		cell := untrusted.CSVCell // the strings are an image's or a merged file's: data, never a formula
		cw.Write([]string{cell(s.Machine), cell(s.Backend), cell(column), cell(s.Workload), cell(s.Metric), cell(s.Label), strconv.Itoa(m.N),
			f(m.Median), f(m.P5), f(m.P95), f(m.P99),
			f(m.CILow), f(m.CIHigh), level, f(cyc), f(ratio), strconv.FormatBool(m.Wide), cell(s.Error), strconv.FormatBool(r.Partial != nil)})
	}
	if r.Partial != nil && len(r.Series) == 0 {
		// Interrupted before anything was measured: one row that says so,
		// or the file would be a header alone.
		row := make([]string, len(header))
		row[len(row)-2], row[len(row)-1] = r.Partial.String(), "true"
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
