package report

import (
	"fmt"
	"io"
	"time"

	"plib/backend"
	"plib/internal/hostload"
)

// RunLoad is the host's load at the start of a run (before anything is
// measured) and at its end.
type RunLoad struct {
	Start hostload.Sample `json:"start"`
	End   hostload.Sample `json:"end"`
}

// PathRecord is how one backend's hand-offs answered one workload's
// library calls over every run: on the fast path (the waiter spinning)
// or the slow path (after it slept).
type PathRecord struct {
	Machine  string `json:"machine"`
	Backend  string `json:"backend"`
	Workload string `json:"workload"`
	backend.PathCounts
}

// AddPaths adds a run's path counts to the record of its backend and
// workload (nil adds nothing).
func (r *Report) AddPaths(machine, name, workload string, p *backend.PathCounts) {
	if p == nil {
		return
	}
	for i := range r.Paths {
		if q := &r.Paths[i]; q.Machine == machine && q.Backend == name && q.Workload == workload {
			q.PathCounts = *q.PathCounts.Add(p)
			return
		}
	}
	r.Paths = append(r.Paths, PathRecord{machine, name, workload, *p})
}

// measureTables are the tables on how the measurement itself went: the
// host's load, the spin bounds and the hand-offs' paths.
func (r *Report) measureTables() []Table {
	var ts []Table
	if t, ok := r.loadTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.spinTable(); ok {
		ts = append(ts, t)
	}
	if t, ok := r.pathTable(); ok {
		ts = append(ts, t)
	}
	return ts
}

func (r *Report) loadTable() (Table, bool) {
	t := Table{Title: "Host load",
		Note: "What else the machine was doing: the kernel's load averages (/proc/loadavg) and the share of all CPUs' time spent busy over a " +
			"short window (/proc/stat), before the first measurement and after the last.",
		Header: []string{"when", "at", "load"}}
	if len(r.Machines) > 1 {
		t.Header = append([]string{"machine"}, t.Header...)
	}
	for _, m := range r.Machines {
		if m.HostLoad == nil {
			continue
		}
		for _, s := range []struct {
			when string
			hostload.Sample
		}{{"start", m.HostLoad.Start}, {"end", m.HostLoad.End}} {
			at := "-"
			if !s.At.IsZero() {
				at = s.At.Format(time.RFC3339)
			}
			row := []string{s.when, at, s.Sample.String()}
			if len(r.Machines) > 1 {
				row = append([]string{m.Label}, row...)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t, len(t.Rows) > 0
}

func (r *Report) spinTable() (Table, bool) {
	t := Table{Title: "Spin bounds",
		Note: "How long a waiting side of a hand-off spun before it slept: what waking a sleeping thread costs on this machine, measured once per " +
			"run before anything else " +
			"(the median of one-way futex wake-ups of a thread seen asleep on an idle core; rounds that found it awake are skipped, not counted).",
		Header: []string{"backend", "bound", "wake-up cost (median)", "quartiles", "wake-ups (skipped)", "method"}}
	if len(r.Machines) > 1 {
		t.Header[0] = "machine/backend"
	}
	for _, m := range r.Machines {
		for _, mech := range m.Mechanisms {
			b := mech.Spin
			if b == nil {
				continue
			}
			col := mech.Backend
			if len(r.Machines) > 1 {
				col = m.Label + "/" + mech.Backend
			}
			bound := fmt.Sprintf("%d TSC cycles", b.Cycles)
			if b.TSCHz > 0 {
				bound += " (" + FormatNS(float64(b.Cycles)/b.TSCHz*1e9) + ")"
			}
			if b.Capped {
				bound += ", capped at a quarter of the call budget"
			}
			t.Rows = append(t.Rows, []string{col, bound, FormatNS(b.WakeNS), FormatNS(b.WakeP25NS) + " – " + FormatNS(b.WakeP75NS),
				fmt.Sprintf("%d (%d)", b.Samples, b.Skipped), b.Method})
		}
	}
	return t, len(t.Rows) > 0
}

func (r *Report) pathTable() (Table, bool) {
	t := Table{Title: "Fast and slow paths",
		Note: "Library calls per backend and workload over every run, by how the waiting side was answered: on the fast path, while it spun, or " +
			"on the slow path, after it slept (parked, or on the futex).",
		Header: []string{"backend", "workload", "fast path", "slow path", "slow share", "counted by"}}
	if len(r.Machines) > 1 {
		t.Header[0] = "machine/backend"
	}
	for _, p := range r.Paths {
		col := p.Backend
		if len(r.Machines) > 1 {
			col = p.Machine + "/" + p.Backend
		}
		share := "-"
		if tot := p.Fast + p.Slow; tot > 0 {
			share = fmt.Sprintf("%.1f%%", 100*float64(p.Slow)/float64(tot))
		}
		t.Rows = append(t.Rows, []string{col, p.Workload, fmt.Sprint(p.Fast), fmt.Sprint(p.Slow), share, p.CountedBy})
	}
	return t, len(t.Rows) > 0
}

// modesTable lists every series whose samples fall into more than one
// mode, with each mode's share and place.
func (r *Report) modesTable() (Table, bool) {
	t := Table{Title: "Series with more than one mode",
		Note: fmt.Sprintf("A series is split into modes where the widest gap between its sorted samples (in log) leaves at least %.0f%% of them "+
			"and at least %d on each side, "+
			"is at least %gx and is wider than either side's whole range; its median then describes no mode, so each is given.", 100*MinModeWeight,
			MinModeN, MinModeRatio),
		Header: []string{"backend", "operation", "n", "median", "modes: share at median (min – max)"}}
	if len(r.Machines) > 1 {
		t.Header[0] = "machine/backend"
	}
	for i := range r.Series {
		s := &r.Series[i]
		if !s.Summary.Multimodal || s.Error != "" {
			continue
		}
		name := r.ColumnLabel(r.Column(s))
		if s.Backend == AnchorBackend {
			name = "anchor"
		}
		t.Rows = append(t.Rows, []string{name, s.Label, fmt.Sprint(s.Summary.N), FormatNS(s.Summary.Median), modesText(s.Summary.Modes)})
	}
	return t, len(t.Rows) > 0
}

// benchMeasurement writes the key: value lines of how machine's
// measurement went into the bench output: each spin bound and its
// wake-up cost, each backend's and workload's fast and slow paths, the
// host's load at the start and end.
func (r *Report) benchMeasurement(w io.Writer, machine string) {
	for _, m := range r.Machines {
		if m.Label != machine {
			continue
		}
		for _, mech := range m.Mechanisms {
			if b := mech.Spin; b != nil {
				fmt.Fprintf(w, "spin-bound-%s: %d cycles, wake-up %s\n", configKey(mech.Backend), b.Cycles, FormatNS(b.WakeNS))
			}
		}
	}
	for _, p := range r.Paths {
		if p.Machine == machine {
			fmt.Fprintf(w, "paths-%s-%s: fast %d, slow %d\n", configKey(p.Backend), configKey(p.Workload), p.Fast, p.Slow)
		}
	}
	for _, m := range r.Machines {
		if l := m.HostLoad; l != nil && m.Label == machine {
			fmt.Fprintf(w, "host-load-start: %s\nhost-load-end: %s\n", oneLine(l.Start.String()), oneLine(l.End.String()))
		}
	}
}
