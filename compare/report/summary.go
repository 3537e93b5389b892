package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Summary lines are what vmm compare prints on the terminal: one line per
// workload (its representative operation, as in the verdict) and
// machine, every measured column from fastest to slowest with its
// median and its multiple of none, and its multiples of its baselines
// (kv: memcached; dds-pingpong: UDP sockets and ddsperf):
//
//	kv: get 128 B: none 41.2 ns; process 45.20 µs (1,100x none, 1.70x slower than memcached, wide); ...
//
// The full tables are in report.md (or vmm compare --markdown).
func (r *Report) SummaryLines() []string {
	var out []string
	_, labels := r.Rows()
	for _, m := range r.Machines {
		for _, key := range r.representative(m.Label) {
			type entry struct {
				col string
				s   *Series
			}
			var es []entry
			for _, c := range r.Columns() {
				if mc, _ := r.splitColumn(c); mc != m.Label {
					continue
				}
				if s := r.Find(c, key); measured(s) {
					es = append(es, entry{c, s})
				}
			}
			missing := r.unmeasured(r.machineColumns(m.Label), key, func(string) bool { return true })
			if len(es) == 0 {
				if missing != "" {
					out = append(out, fmt.Sprintf("%s: %s", labels[key]+r.onMachine(m.Label), missing))
				}
				continue
			}
			sort.SliceStable(es, func(i, j int) bool { return es[i].s.Summary.Median < es[j].s.Summary.Median })
			var parts []string
			for _, e := range es {
				var facts []string
				if x := r.Ratio(e.s); !math.IsNaN(x) && e.s.Backend != "none" {
					facts = append(facts, FormatRatio(x)+" none")
				}
				if e.s.Backend != "memcached" {
					facts = append(facts, r.baselineFacts(m.Label, key, e.s.Summary.Median, false)...)
				}
				if e.s.Summary.Wide {
					facts = append(facts, "wide")
				}
				if e.s.Summary.Multimodal {
					facts = append(facts, fmt.Sprintf("%d modes", len(e.s.Summary.Modes)))
				}
				label := r.ColumnLabel(e.col)
				if len(r.Machines) > 1 {
					label = strings.TrimPrefix(label, m.Label+"/")
				}
				p := label + " " + FormatNS(e.s.Summary.Median)
				if len(facts) > 0 {
					p += " (" + strings.Join(facts, ", ") + ")"
				}
				parts = append(parts, p)
			}
			op := labels[key]
			if len(r.Machines) > 1 {
				op += " on " + m.Label
			}
			if missing != "" {
				parts = append(parts, missing)
			}
			out = append(out, fmt.Sprintf("%s: %s", op, strings.Join(parts, "; ")))
		}
	}
	return out
}
