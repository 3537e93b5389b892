package report

import (
	"fmt"
	"sort"
	"strings"

	"plib/backend"
)

// AttackRecord is what vmm attacks found for one backend, carried in the
// report so that its verdict can say what each backend stops.
type AttackRecord struct {
	Backend    string   `json:"backend"`
	Ran        int      `json:"ran"`         // attacks that ran (not unavailable or not applicable)
	Stopped    int      `json:"stopped"`     // of those, stopped or refused
	NotStopped []string `json:"not_stopped"` // the attack images that got through
}

// anchorMedian is the median of the named anchor measured on machine.
// Baselines are the real systems a workload's rows are compared with,
// each an anchor measured in the same run: memcached for kv, the same
// ping-pong over kernel UDP sockets and Cyclone DDS's ddsperf for
// dds-pingpong.
var Baselines = []struct {
	Prefix, Anchor string // rows whose key starts with Prefix; the anchor's Workload
	Short, Long    string // in summary lines; in the verdict
}{
	{"kv/", "memcached", "memcached", "memcached over loopback"},
	{"dds-pingpong/", "dds-udp", "UDP sockets", "kernel UDP sockets over loopback"},
	{"dds-pingpong/", "dds-ddsperf", "ddsperf", "Cyclone DDS's ddsperf over loopback"},
}

// baselineFacts says how median compares with each baseline of row key
// on machine: "1.70x slower than memcached", with long or short names.
func (r *Report) baselineFacts(machine, key string, median float64, long bool) []string {
	var facts []string
	for _, b := range Baselines {
		base, ok := r.anchorMedian(machine, b.Anchor)
		if !ok || base <= 0 || median <= 0 || !strings.HasPrefix(key, b.Prefix) {
			continue
		}
		name := b.Short
		if long {
			name = b.Long
		}
		if median < base {
			facts = append(facts, FormatRatio(base/median)+" faster than "+name)
		} else {
			facts = append(facts, FormatRatio(median/base)+" slower than "+name)
		}
	}
	return facts
}

func (r *Report) anchorMedian(machine, name string) (float64, bool) {
	for _, a := range r.Anchors() {
		if a.Machine == machine && a.Workload == name && a.Error == "" && a.Summary.N > 0 {
			return a.Summary.Median, true
		}
	}
	return 0, false
}

// FloorCost is a mechanism's floor per library call on machine: Times its
// anchor's median, measured in the same run (false if either is missing).
func (r *Report) FloorCost(machine string, m backend.Mechanism) (float64, bool) {
	if m.Floor == nil || !m.Available() {
		return 0, false
	}
	a, ok := r.anchorMedian(machine, m.Floor.Anchor)
	return a * m.Floor.Times, ok
}

// floorKey is the operation a floor is set against: one empty library
// call (the null workload).
const floorKey = "null/call"

func (r *Report) floorTable() (Table, bool) {
	t := Table{Title: "Each mechanism over its floor",
		Note: "A backend's floor is what one library call cannot avoid under its mechanism on this machine (the exits, system calls or wake-ups), " +
			"measured as an anchor in the same run; the last column is the null workload's library call over it. A large multiple is plib's cost, not the mechanism's.",
		Header: []string{"backend", "floor", "floor per call", "library call", "call over floor"}}
	if len(r.Machines) > 1 {
		t.Header[0] = "machine/backend"
	}
	any := false
	for _, m := range r.Machines {
		for _, mech := range m.Mechanisms {
			if mech.Floor == nil || !mech.Available() {
				continue
			}
			col := mech.Backend
			if len(r.Machines) > 1 {
				col = m.Label + "/" + mech.Backend
			}
			floor, ok := r.FloorCost(m.Label, mech)
			call := r.Find(col, floorKey)
			row := []string{r.ColumnLabel(col), fmt.Sprintf("%g x %s: %s", mech.Floor.Times, mech.Floor.Anchor, mech.Floor.What), "-", cell(call), "-"}
			if ok {
				row[2] = FormatNS(floor)
				if call != nil && call.Error == "" && call.Summary.N > 0 {
					row[4] = FormatRatio(call.Summary.Median / floor)
				}
			}
			t.Rows = append(t.Rows, row)
			any = true
		}
	}
	return t, any
}

// measured reports whether s is a valid figure: measured, no error.
func measured(s *Series) bool { return s != nil && s.Error == "" && s.Summary.N > 0 }

// machineColumns are the columns measured on machine, in Columns' order.
func (r *Report) machineColumns(machine string) []string {
	var out []string
	for _, c := range r.Columns() {
		if mc, _ := r.splitColumn(c); mc == machine {
			out = append(out, c)
		}
	}
	return out
}

// representative is the operation each workload is judged by on machine
// in the summary and the verdict: of its figures, in the order the
// workload declares them, the first that the most columns measured
// validly, so that one invalid figure hides neither the workload nor a
// backend that measured another.
func (r *Report) representative(machine string) []string {
	keys, _ := r.Rows()
	cols := r.machineColumns(machine)
	best := map[string]int{} // workload -> valid columns of its chosen key
	var order []string
	pick := map[string]string{}
	for _, k := range keys {
		w, _, _ := strings.Cut(k, "/")
		n := 0
		for _, c := range cols {
			if measured(r.Find(c, k)) {
				n++
			}
		}
		if _, ok := pick[w]; !ok {
			order = append(order, w)
			pick[w], best[w] = k, n
		} else if n > best[w] {
			pick[w], best[w] = k, n
		}
	}
	var out []string
	for _, w := range order {
		out = append(out, pick[w])
	}
	return out
}

// unmeasured says which of cols ran the workload of key but have no
// valid figure for key ("" if none): "no valid figure from mprotect (its
// error), process", so that a backend left out of a line is named.
func (r *Report) unmeasured(cols []string, key string, include func(col string) bool) string {
	w, _, _ := strings.Cut(key, "/")
	var missing []string
	for _, c := range cols {
		if !include(c) {
			continue
		}
		s := r.Find(c, key)
		if measured(s) {
			continue
		}
		ran := false
		for i := range r.Series {
			if t := &r.Series[i]; t.Backend != AnchorBackend && t.Workload == w && r.Column(t) == c {
				ran = true
				break
			}
		}
		if !ran {
			continue
		}
		_, name := r.splitColumn(c)
		if s != nil && s.Error != "" {
			name += " (" + s.Error + ")"
		}
		missing = append(missing, name)
	}
	if len(missing) == 0 {
		return ""
	}
	return "no valid figure from " + strings.Join(missing, ", ")
}

// onMachine is " on label" in a merged report, else "".
func (r *Report) onMachine(label string) string {
	if len(r.Machines) > 1 {
		return " on " + label
	}
	return ""
}

// VerdictLine is the verdict on one operation: the operation, and the
// backends from cheapest to dearest in words.
type VerdictLine struct {
	Operation string
	Text      string
}

// Verdict says, per workload and machine, which isolating backend costs
// least here and what each one is: its multiple of none, of its floor and
// of each baseline anchor (memcached, UDP sockets, ddsperf), how its switch ran and what it stops. It is
// generated from the report's data only.
func (r *Report) Verdict() []VerdictLine {
	var out []VerdictLine
	attacks := map[string]AttackRecord{}
	for _, a := range r.Attacks {
		attacks[a.Backend] = a
	}
	for _, m := range r.Machines {
		for _, key := range r.representative(m.Label) {
			type cand struct {
				mech   backend.Mechanism
				median float64
				s      *Series
			}
			var cs []cand
			for _, mech := range m.Mechanisms {
				if mech.Mode != backend.Hardware && mech.Mode != backend.Emulated {
					continue
				}
				col := mech.Backend
				if len(r.Machines) > 1 {
					col = m.Label + "/" + mech.Backend
				}
				if s := r.Find(col, key); s != nil && s.Error == "" && s.Summary.N > 0 {
					cs = append(cs, cand{mech, s.Summary.Median, s})
				}
			}
			isolating := func(col string) bool {
				_, name := r.splitColumn(col)
				md := r.Mechanism(m.Label, name).Mode
				return md == backend.Hardware || md == backend.Emulated
			}
			missing := r.unmeasured(r.machineColumns(m.Label), key, isolating)
			if len(cs) == 0 {
				if missing != "" {
					_, labels := r.Rows()
					out = append(out, VerdictLine{labels[key] + r.onMachine(m.Label), missing + "."})
				}
				continue
			}
			sort.Slice(cs, func(i, j int) bool { return cs[i].median < cs[j].median })
			_, labels := r.Rows()
			var b strings.Builder
			op := labels[key]
			if len(r.Machines) > 1 {
				op += " on " + m.Label
			}
			for i, c := range cs {
				if i == 0 {
					fmt.Fprintf(&b, "%s costs least of the isolating backends", c.mech.Backend)
				} else if i == 1 {
					b.WriteString("; then ")
				} else {
					b.WriteString(", ")
				}
				if i > 0 {
					b.WriteString(c.mech.Backend)
				}
				var facts []string
				sm := c.s.Summary
				facts = append(facts, fmt.Sprintf("%s [%s – %s, %s]", FormatNS(c.median), FormatNS(sm.CILow), FormatNS(sm.CIHigh), formatCoverage(sm.CILevel)))
				if i > 0 {
					// Each later backend against the one before it: is the
					// order the data's, or only the medians'?
					if x, ok := MedianRatio(c.s.Summary, cs[i-1].s.Summary); ok {
						word := "above"
						if x.Low <= 1 {
							word = "not told apart from" // the interval reaches 1x
						}
						facts = append(facts, fmt.Sprintf("%s %s %s", x, word, cs[i-1].mech.Backend))
					}
				}
				if x, ok := r.RatioToNone(c.s); ok {
					facts = append(facts, x.String()+" none")
				}
				if c.s.Summary.Multimodal {
					facts = append(facts, fmt.Sprintf("%d modes: %s", len(c.s.Summary.Modes), modesText(c.s.Summary.Modes)))
				}
				if key == floorKey {
					if f, ok := r.FloorCost(m.Label, c.mech); ok && f > 0 {
						facts = append(facts, FormatRatio(c.median/f)+" its floor")
					}
				}
				facts = append(facts, r.baselineFacts(m.Label, key, c.median, true)...)
				facts = append(facts, "switch "+modeText(c.mech))
				if a, ok := attacks[c.mech.Backend]; ok && a.Ran > 0 {
					if len(a.NotStopped) == 0 {
						facts = append(facts, fmt.Sprintf("stopped %d of %d attacks", a.Stopped, a.Ran))
					} else {
						facts = append(facts, fmt.Sprintf("stopped %d of %d attacks (not: %s)", a.Stopped, a.Ran, strings.Join(a.NotStopped, ", ")))
					}
				}
				fmt.Fprintf(&b, " (%s)", strings.Join(facts, "; "))
			}
			if missing != "" {
				b.WriteString("; " + missing)
			}
			b.WriteString(".")
			out = append(out, VerdictLine{op, b.String()})
		}
	}
	return out
}
