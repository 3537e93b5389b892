package report

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"plib/untrusted"
)

// Bench writes every sample in Go's benchmark format
// (golang.org/x/perf/benchfmt), so that the tools made for Go benchmarks
// read a comparison: `benchstat -col /backend report.bench.txt` sets the
// backends side by side, `benchstat old.txt new.txt` compares two runs.
//
// Each machine's block opens with its configuration (key: value lines:
// the CPU, the machine's label, the versions, how each backend's switch
// ran), then one line per sample:
//
//	BenchmarkKV/op=get_128/backend=mprotect 30 1234.5 ns/op 3205 cycles/op
//
// The count is the operations behind the sample (the workload's
// iterations parameter; 1 for anchors, whose batch differs by anchor),
// ns/op the sample itself. Anchors are BenchmarkAnchor/op=NAME with
// backend=host, after a "measured: anchors on the host" line that puts
// them in a benchstat table of their own. Failed series have no samples
// and no line.
func (r *Report) Bench(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i, m := range r.Machines {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		// plib runs on Linux on x86-64 only (see README).
		fmt.Fprintf(bw, "goos: linux\ngoarch: amd64\n")
		fmt.Fprintf(bw, "cpu: %s\n", oneLine(m.CPUModel))
		fmt.Fprintf(bw, "machine: %s\n", oneLine(m.Label))
		if m.Kernel != "" {
			fmt.Fprintf(bw, "kernel: %s\n", oneLine(m.Kernel))
		}
		var vs []string
		for k := range m.Versions {
			vs = append(vs, k)
		}
		sort.Strings(vs)
		for _, k := range vs {
			fmt.Fprintf(bw, "%s-version: %s\n", configKey(k), oneLine(m.Versions[k]))
		}
		for _, mech := range m.Mechanisms {
			fmt.Fprintf(bw, "mechanism-%s: %s\n", configKey(mech.Backend), oneLine(modeText(mech)))
		}
		r.benchMeasurement(bw, m.Label)
		fmt.Fprintf(bw, "quick: %v\n", r.Settings.Quick)
		if r.Partial != nil {
			fmt.Fprintf(bw, "partial: %s\n", r.Partial)
		}
		// The workloads, then the anchors under another "measured"
		// value, which benchstat sets in a table of their own.
		fmt.Fprintf(bw, "measured: workloads in the guest\n")
		var order []*Series
		for _, anchors := range []bool{false, true} {
			for j := range r.Series {
				if s := &r.Series[j]; (s.Backend == AnchorBackend) == anchors {
					order = append(order, s)
				}
			}
		}
		for _, s := range order {
			if s.Machine != m.Label || s.Error != "" {
				continue
			}
			if s == r.firstAnchor(m.Label) {
				fmt.Fprintf(bw, "measured: anchors on the host\n")
			}
			name, n := "Benchmark"+benchWorkload(s.Workload)+"/op="+nameValue(s.Metric)+"/backend="+nameValue(s.Backend), int64(0)
			if s.Backend == AnchorBackend {
				name, n = "BenchmarkAnchor/op="+nameValue(s.Workload)+"/backend=host", 1
			} else {
				n = r.Settings.Params[s.Workload]["iterations"]
			}
			if n < 1 {
				n = 1
			}
			for k, ns := range s.NS {
				fmt.Fprintf(bw, "%s %d %.2f ns/op", name, n, ns)
				if len(s.Cycles) == len(s.NS) {
					fmt.Fprintf(bw, " %.1f cycles/op", s.Cycles[k])
				}
				fmt.Fprintln(bw)
			}
		}
	}
	return bw.Flush()
}

// firstAnchor is machine's first anchor with samples, or nil.
func (r *Report) firstAnchor(machine string) *Series {
	for _, a := range r.Anchors() {
		if a.Machine == machine && a.Error == "" {
			return a
		}
	}
	return nil
}

// benchWorkload names a workload's benchmark: short names are acronyms
// (kv -> KV, ipc -> IPC), others capitalized (null -> Null).
func benchWorkload(w string) string {
	w = nameValue(w)
	if utf8.RuneCountInString(w) <= 3 {
		return strings.ToUpper(w)
	}
	_, n := utf8.DecodeRuneInString(w)
	return strings.ToUpper(w[:n]) + w[n:]
}

// nameValue makes a value fit a benchmark name: no spaces, no slashes,
// no '=' (which split a name into keys), no control character.
func nameValue(s string) string { return untrusted.BenchName(s) }

// configKey makes a string a configuration key: lower case, no spaces,
// no ':', no control character.
func configKey(s string) string {
	return strings.ToLower(untrusted.BenchName(strings.Map(func(r rune) rune {
		if r == ':' || unicode.IsSpace(r) {
			return '-'
		}
		return r
	}, s)))
}

// oneLine makes a string a configuration value: one line, no control
// character.
func oneLine(s string) string { return untrusted.BenchValue(s) }
