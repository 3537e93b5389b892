package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"plib/backend"
	"plib/internal/hostload"
)

// smallReport is quick.json cut down to a few series of a few samples:
// a seed small enough for the fuzzer to mutate quickly.
func smallReport(t testing.TB) *Report {
	t.Helper()
	r, err := Load(filepath.Join("testdata", "quick.json"))
	if err != nil {
		t.Fatal(err)
	}
	var keep []Series
	for _, s := range r.Series {
		if (s.Workload == "null" || s.Workload == "kv" && s.Metric == "get_128" || s.Workload == "memcached" || s.Workload == "call") &&
			(s.Backend == "none" || s.Backend == "vmfunc" || s.Backend == "memcached" || s.Backend == AnchorBackend) {
			s.Cycles, s.NS = s.Cycles[:3], s.NS[:3]
			keep = append(keep, s)
		}
	}
	r.Series = keep
	return r
}

func seed(t testing.TB, r *Report, edit func(*Report)) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var c Report // a deep copy to edit
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&c)
	}
	if b, err = json.Marshal(&c); err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzMerge feeds mutated report.json files to --merge's path: Load, a
// merge of the file with itself, and every writer into a temporary
// directory. Nothing may panic; a report Load accepts must merge, render
// in every format, and read back from the report.json written.
func FuzzMerge(f *testing.F) {
	r := smallReport(f)
	f.Add(seed(f, r, nil))
	f.Add(seed(f, r, func(c *Report) { c.Series[0].Cycles[1], c.Series[0].NS[1] = 0, 0 }))
	f.Add(seed(f, r, func(c *Report) { c.Series[0].NS[0] = -5 }))
	f.Add(seed(f, r, func(c *Report) { c.Series[2].Backend = "a/b" }))
	f.Add(seed(f, r, func(c *Report) { c.Partial = &Partial{StepsDone: 2, StepsTotal: 9} }))
	f.Add(seed(f, r, func(c *Report) { c.Series = nil }))
	f.Add([]byte(`{"format_version":1,"machines":[{"label":"h","tsc_hz":1e9}],"series":[{"machine":"h","backend":"none","workload":"null","metric":"call","label":"x","cycles":[1e15,1e-6],"ns":[1e-6,1e15]}]}`))
	f.Add(seed(f, r, func(c *Report) { c.Machines[0].HostLoad = hostileLoad() }))
	f.Add(seed(f, r, func(c *Report) { c.Machines[0].Mechanisms[0].Spin = &backend.SpinBound{WakeNS: -1e300} }))
	f.Add(seed(f, r, func(c *Report) { c.Machines[0].Mechanisms[0].Style = 99 }))
	f.Add(seed(f, r, func(c *Report) {
		c.Paths = []PathRecord{{Machine: "nowhere", Backend: "=cmd|<b>", PathCounts: backend.PathCounts{Fast: 1<<64 - 1}}}
	}))
	f.Add(seed(f, r, func(c *Report) { c.Series[0].Label = "\u202e\x1b[2J\x1b]0;pwned\x07 label \u200b" }))
	f.Add(seed(f, r, func(c *Report) { // the longest label: a merge's label#2 must fit too
		c.Machines[0].Label = strings.Repeat("A", 64)
		for i := range c.Series {
			c.Series[i].Machine = c.Machines[0].Label
		}
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Load(p)
		if err != nil {
			return
		}
		if _, err := r.WriteFiles(filepath.Join(dir, "one")); err != nil {
			t.Fatalf("a report Load accepts does not render: %v", err)
		}
		if _, err := Load(filepath.Join(dir, "one", "report.json")); err != nil {
			t.Fatalf("the report.json written does not read back: %v", err)
		}
		m, err := Merge([]string{p, p})
		if err != nil {
			t.Fatalf("a report Load accepts does not merge with itself: %v", err)
		}
		if _, err := m.WriteFiles(filepath.Join(dir, "merged")); err != nil {
			t.Fatalf("a merge does not render: %v", err)
		}
		// What --merge writes, --merge reads: a merged report merges again.
		mp := filepath.Join(dir, "merged", "report.json")
		if _, err := Merge([]string{mp, mp}); err != nil {
			t.Fatalf("a merged report does not merge again: %v", err)
		}
	})
}

// hostileLoad is the host load of a crafted report: every figure out of
// range.
func hostileLoad() *RunLoad {
	s := hostload.Sample{Load1: 1e308, Load5: -1, Load15: -1, Runnable: -5, Tasks: -9, Busy: -3.5, Window: -1, CPUs: -1}
	return &RunLoad{Start: s, End: s}
}

// TestMergeRefusesCraftedReports: --merge refuses, naming the field, what
// once panicked or failed a writer: values <= 0 on a log axis, a backend
// named a/b, a sample count that differs between cycles and ns.
func TestMergeRefusesCraftedReports(t *testing.T) {
	r := smallReport(t)
	for _, c := range []struct {
		name string
		edit func(*Report)
		says string
	}{
		{"zero sample", func(c *Report) { c.Series[0].Cycles[1], c.Series[0].NS[1] = 0, 0 }, "sample 2 of 3 is 0 cycles: a measurement is positive"},
		{"negative sample", func(c *Report) { c.Series[1].NS[0] = -5 }, "sample 1 of 3 is -5 ns"},
		{"huge sample", func(c *Report) { c.Series[1].NS[0] = 1e300 }, "out of range"},
		{"backend a/b", func(c *Report) { c.Series[2].Backend = "a/b" }, `backend "a/b"`},
		{"lengths", func(c *Report) { c.Series[0].NS = c.Series[0].NS[:2] }, "3 cycles samples but 2 ns samples"},
		{"format", func(c *Report) { c.FormatVersion = 2 }, "report format 2"},
		{"no machine", func(c *Report) { c.Machines = nil }, "names no machine"},
		{"unknown machine", func(c *Report) { c.Series[0].Machine = "elsewhere" }, `machine "elsewhere" is not one of the report's`},
		{"twice", func(c *Report) { c.Series[1] = c.Series[0] }, "measured twice"},
		{"tsc", func(c *Report) { c.Machines[0].TSCHz = 0 }, "tsc_hz 0"},
		{"mode", func(c *Report) { c.Machines[0].Mechanisms[0].Mode = "magic" }, `mode "magic"`},
		{"mechanism name", func(c *Report) { c.Machines[0].Mechanisms[0].Backend = "../x" }, `backend "../x"`},
		{"settings backend", func(c *Report) { c.Settings.Backends = []string{"a b"} }, `backends: "a b"`},
		{"partial", func(c *Report) { c.Partial = &Partial{StepsDone: 3, StepsTotal: 2} }, "partial: 3 of 2 steps"},
		{"attacks", func(c *Report) { c.Attacks = []AttackRecord{{Backend: "none", Ran: 1, Stopped: 2}} }, "1 ran, 2 stopped"},
		// Every part of the file is checked, not only the series.
		{"host load", func(c *Report) { c.Machines[0].HostLoad = hostileLoad() }, "machines[0]: host_load.start: load1 1e+308"},
		{"host load tasks", func(c *Report) {
			c.Machines[0].HostLoad = &RunLoad{End: hostload.Sample{Runnable: -5, Tasks: -9}}
		}, "host_load.end: -5 of -9 tasks runnable"},
		{"busy", func(c *Report) { c.Machines[0].HostLoad = &RunLoad{Start: hostload.Sample{Busy: -3.5}} }, "busy -3.5"},
		{"spin", func(c *Report) {
			c.Machines[0].Mechanisms[0].Spin = &backend.SpinBound{WakeNS: -1e300, WakeP25NS: -1e300, WakeP75NS: -1e300}
		}, "spin: wake_"},
		{"spin cycles", func(c *Report) { c.Machines[0].Mechanisms[0].Spin = &backend.SpinBound{Cycles: 1 << 63} }, "spin: 9223372036854775808 cycles"},
		{"style", func(c *Report) { c.Machines[0].Mechanisms[0].Style = 99 }, "style 99"},
		{"style twice", func(c *Report) {
			c.Machines[0].Mechanisms[0].Style, c.Machines[0].Mechanisms[1].Style = 2, 2
		}, "style 2, "},
		{"paths machine", func(c *Report) { c.Paths = []PathRecord{{Machine: "nowhere", Backend: "handoff", Workload: "kv"}} }, `paths[0]: machine "nowhere"`},
		{"paths backend", func(c *Report) {
			c.Paths = []PathRecord{{Machine: c.Machines[0].Label, Backend: "=cmd|<b>", Workload: "kv"}}
		}, `paths[0]: backend "=cmd|<b>"`},
		{"paths calls", func(c *Report) {
			c.Paths = []PathRecord{{Machine: c.Machines[0].Label, Backend: "handoff", Workload: "kv", PathCounts: backend.PathCounts{Fast: 1<<64 - 1}}}
		}, "18446744073709551615 fast"},
		// Text is text: no control, bidirectional or invisible character.
		{"label controls", func(c *Report) { c.Series[0].Label = "\u202e\x1b[2J\x1b]0;pwned\x07 label \u200b" }, "character U+202E at byte 0 is not text"},
		{"note invisible", func(c *Report) { c.Notes = []string{"calls\u034f"} }, "notes[0]: \"calls\u034f\": character U+034F"},
		{"cpu model", func(c *Report) { c.Machines[0].CPUModel = "x\x1b[31m" }, "cpu_model: "},
	} {
		p := filepath.Join(t.TempDir(), "r.json")
		os.WriteFile(p, seed(t, r, c.edit), 0o644)
		_, err := Merge([]string{p, p})
		if err == nil || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", c.name, err, c.says)
		}
	}
}

// FuzzMachineLabel: whatever the host is called, its label is one
// Validate accepts, and a merge's label#n of it is too.
func FuzzMachineLabel(f *testing.F) {
	for _, h := range []string{"", "my_host", strings.Repeat("a", 70), "-x", "h\x1b[2J", "ü.example", "a.b:c"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, host string) {
		l := MachineLabel(host)
		for _, m := range []string{l, renamed(l, 2), renamed(l, 64)} {
			if !machineLabel.MatchString(m) {
				t.Fatalf("host %q: label %q (want %s)", host, m, machineLabel)
			}
		}
	})
}
