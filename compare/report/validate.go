package report

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"plib/backend"
	"plib/internal/hostload"
	"plib/untrusted"
)

// Limits on a report.json that --merge reads: every field is checked
// against them, so that a crafted file is refused with the field it got
// wrong instead of reaching a writer.
const (
	maxMachines    = 64
	maxSeries      = 100000
	maxSamples     = 10000000
	maxNotes       = 1000
	maxText        = 4096 // any free-text field, in bytes
	maxNamed       = 256  // entries of a map or list of names
	maxLabel       = 64   // a machine's label, in bytes
	minSampleValue = 1e-6 // cycles or nanoseconds per operation
	maxSampleValue = 1e15
)

var (
	// A backend name: safe in a file name, a column ("machine/backend")
	// and a benchmark key (no "/", no space).
	backendName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	// A workload: an image's name, or an anchor's.
	workloadName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	// A metric, as image.conf's bench lines declare it.
	metricName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	// A machine's label: a host name, "#2" appended by a merge.
	machineLabel = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:#-]{0,63}$`)
)

// CheckWorkloadName says why name cannot name a workload, or nil. It is
// the one rule for a workload's name, whether compare takes it from an
// image's file name or --merge reads it from a report, so that every
// report compare writes can be merged.
func CheckWorkloadName(name string) error {
	if !workloadName.MatchString(name) {
		return fmt.Errorf("workload name %q: want %s", name, workloadName)
	}
	return nil
}

var notLabelChars = regexp.MustCompile(`[^A-Za-z0-9._:-]`)

// MachineLabel makes a host name a machine's label that Validate
// accepts: every other character '-', at most 64 bytes, "host" if
// nothing is left.
func MachineLabel(host string) string {
	l := notLabelChars.ReplaceAllString(host, "-")
	if len(l) > maxLabel {
		l = l[:maxLabel]
	}
	if l = strings.TrimLeft(l, "._:-"); l == "" {
		return "host"
	}
	return l
}

var modes = map[backend.Mode]bool{backend.Hardware: true, backend.Emulated: true, backend.NoIsolation: true,
	backend.Unavailable: true, backend.Baseline: true}

// Validate checks every field of a report read from a file: the format
// version, names (machines, backends, workloads, metrics), numbers
// (finite and in range), samples (as many nanoseconds as cycles, every
// one positive) and references (each series' machine exists, no series
// twice). It is what Load runs before anything renders the report.
func (r *Report) Validate() error {
	if r.FormatVersion != FormatVersion {
		return fmt.Errorf("report format %d, this vmm reads format %d", r.FormatVersion, FormatVersion)
	}
	if len(r.Machines) == 0 {
		return errors.New("the report names no machine")
	}
	if len(r.Machines) > maxMachines {
		return fmt.Errorf("%d machines, at most %d", len(r.Machines), maxMachines)
	}
	labels := map[string]bool{}
	for i, m := range r.Machines {
		if err := m.validate(); err != nil {
			return fmt.Errorf("machines[%d]: %w", i, err)
		}
		if labels[m.Label] {
			return fmt.Errorf("machines[%d]: label %q twice", i, m.Label)
		}
		labels[m.Label] = true
	}
	if err := r.Settings.validate(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if len(r.MergedSettings) > maxMachines {
		return fmt.Errorf("merged_settings: %d entries, at most %d", len(r.MergedSettings), maxMachines)
	}
	for i, s := range r.MergedSettings {
		if err := s.validate(); err != nil {
			return fmt.Errorf("merged_settings[%d]: %w", i, err)
		}
	}
	if len(r.Merged) > maxMachines {
		return fmt.Errorf("merged_from: %d entries, at most %d", len(r.Merged), maxMachines)
	}
	for i, p := range r.Merged {
		if err := text(p); err != nil {
			return fmt.Errorf("merged_from[%d]: %w", i, err)
		}
	}
	if len(r.Notes) > maxNotes {
		return fmt.Errorf("%d notes, at most %d", len(r.Notes), maxNotes)
	}
	for i, n := range r.Notes {
		if err := text(n); err != nil {
			return fmt.Errorf("notes[%d]: %w", i, err)
		}
	}
	if p := r.Partial; p != nil && (p.StepsTotal < 0 || p.StepsTotal > maxSeries || p.StepsDone < 0 || p.StepsDone > p.StepsTotal) {
		return fmt.Errorf("partial: %d of %d steps", p.StepsDone, p.StepsTotal)
	}
	if len(r.Attacks) > maxNamed {
		return fmt.Errorf("%d attack records, at most %d", len(r.Attacks), maxNamed)
	}
	for i, a := range r.Attacks {
		if !backendName.MatchString(a.Backend) {
			return fmt.Errorf("attacks[%d]: backend %q (want %s)", i, a.Backend, backendName)
		}
		if a.Ran < 0 || a.Ran > maxSeries || a.Stopped < 0 || a.Stopped > a.Ran || len(a.NotStopped) > a.Ran {
			return fmt.Errorf("attacks[%d] (%s): %d ran, %d stopped, %d not stopped", i, a.Backend, a.Ran, a.Stopped, len(a.NotStopped))
		}
		for _, n := range a.NotStopped {
			if err := text(n); err != nil {
				return fmt.Errorf("attacks[%d]: not_stopped: %w", i, err)
			}
		}
	}
	if len(r.Paths) > maxSeries {
		return fmt.Errorf("%d paths records, at most %d", len(r.Paths), maxSeries)
	}
	paths := map[PathRecord]bool{}
	for i, p := range r.Paths {
		if err := p.validate(labels); err != nil {
			return fmt.Errorf("paths[%d]: %w", i, err)
		}
		k := PathRecord{Machine: p.Machine, Backend: p.Backend, Workload: p.Workload}
		if paths[k] {
			return fmt.Errorf("paths[%d]: %s/%s/%s twice", i, p.Machine, p.Backend, p.Workload)
		}
		paths[k] = true
	}
	if len(r.Series) > maxSeries {
		return fmt.Errorf("%d series, at most %d", len(r.Series), maxSeries)
	}
	seen := map[string]bool{}
	for i := range r.Series {
		s := &r.Series[i]
		if err := s.validate(); err != nil {
			return fmt.Errorf("series[%d]: %w", i, err)
		}
		if !labels[s.Machine] {
			return fmt.Errorf("series[%d] (%s): machine %q is not one of the report's", i, s.Label, s.Machine)
		}
		k := s.Machine + "/" + s.Backend + "/" + s.Key()
		if seen[k] {
			return fmt.Errorf("series[%d]: %s measured twice", i, k)
		}
		seen[k] = true
	}
	return nil
}

func (m *Machine) validate() error {
	if !machineLabel.MatchString(m.Label) {
		return fmt.Errorf("label %q (want %s)", m.Label, machineLabel)
	}
	for what, v := range map[string]string{"host": m.Host, "cpu_model": m.CPUModel, "hypervisor": m.Hypervisor, "kernel": m.Kernel} {
		if err := text(v); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if len(m.CPUFlags) > maxNamed || len(m.Versions) > maxNamed || len(m.Mechanisms) > maxNamed {
		return fmt.Errorf("more than %d CPU flags, versions or mechanisms", maxNamed)
	}
	for _, f := range m.CPUFlags {
		if err := text(f); err != nil {
			return fmt.Errorf("cpu_flags: %w", err)
		}
	}
	for k, v := range m.Versions {
		if !workloadName.MatchString(k) {
			return fmt.Errorf("versions: name %q (want %s)", k, workloadName)
		}
		if err := text(v); err != nil {
			return fmt.Errorf("versions[%s]: %w", k, err)
		}
	}
	if m.Cores < 0 || m.Cores > 1<<20 {
		return fmt.Errorf("logical_cores %d", m.Cores)
	}
	if !(m.TSCHz >= 1e6 && m.TSCHz <= 1e12) { // NaN fails too
		return fmt.Errorf("tsc_hz %v: want 1e6 to 1e12", m.TSCHz)
	}
	if l := m.HostLoad; l != nil {
		if err := checkLoad(l.Start); err != nil {
			return fmt.Errorf("host_load.start: %w", err)
		}
		if err := checkLoad(l.End); err != nil {
			return fmt.Errorf("host_load.end: %w", err)
		}
	}
	names := map[string]bool{}
	drawn := map[backend.Style]string{}
	for i, mech := range m.Mechanisms {
		if !backendName.MatchString(mech.Backend) {
			return fmt.Errorf("mechanisms[%d]: backend %q (want %s)", i, mech.Backend, backendName)
		}
		if names[mech.Backend] {
			return fmt.Errorf("mechanisms[%d]: backend %s twice", i, mech.Backend)
		}
		names[mech.Backend] = true
		if !modes[mech.Mode] {
			return fmt.Errorf("mechanisms[%d] (%s): mode %q", i, mech.Backend, mech.Mode)
		}
		for _, v := range []string{mech.Switch, mech.EmulatedBy, mech.Unavailable, mech.Detail} {
			if err := text(v); err != nil {
				return fmt.Errorf("mechanisms[%d] (%s): %w", i, mech.Backend, err)
			}
		}
		if err := checkSpin(mech.Spin); err != nil {
			return fmt.Errorf("mechanisms[%d] (%s): spin: %w", i, mech.Backend, err)
		}
		if mech.Style < 0 || int(mech.Style) > len(styles) {
			return fmt.Errorf("mechanisms[%d] (%s): style %d, want 0 to %d", i, mech.Backend, mech.Style, len(styles))
		}
		if o, ok := drawn[mech.Style]; ok && mech.Style != 0 {
			return fmt.Errorf("mechanisms[%d] (%s): style %d, %s's too", i, mech.Backend, mech.Style, o)
		}
		drawn[mech.Style] = mech.Backend
		if f := mech.Floor; f != nil {
			if !workloadName.MatchString(f.Anchor) || !(f.Times > 0 && f.Times <= 1e6) || text(f.What) != nil {
				return fmt.Errorf("mechanisms[%d] (%s): floor %q x %v", i, mech.Backend, f.Anchor, f.Times)
			}
		}
	}
	return nil
}

// maxLoad bounds a load average or a task count read back from a report.
const maxLoad = 1 << 22

// checkLoad checks a host-load sample: counts and averages not negative
// and in range, busy a fraction, the window at most an hour.
func checkLoad(s hostload.Sample) error {
	if err := text(s.Error); err != nil {
		return fmt.Errorf("error: %w", err)
	}
	for i, x := range []float64{s.Load1, s.Load5, s.Load15} {
		if !(x >= 0 && x <= maxLoad) {
			return fmt.Errorf("%s %v: want 0 to %d", []string{"load1", "load5", "load15"}[i], x, maxLoad)
		}
	}
	if s.Runnable < 0 || s.Tasks < 0 || s.Tasks > maxLoad || s.Runnable > s.Tasks {
		return fmt.Errorf("%d of %d tasks runnable", s.Runnable, s.Tasks)
	}
	if !(s.Busy >= 0 && s.Busy <= 1) {
		return fmt.Errorf("busy %v: want a fraction 0 to 1", s.Busy)
	}
	if s.Window < 0 || s.Window > time.Hour || s.CPUs < 0 || s.CPUs > 1<<20 {
		return fmt.Errorf("window %v on %d CPUs", s.Window, s.CPUs)
	}
	return nil
}

// checkSpin checks a recorded spin bound (nil is none).
func checkSpin(b *backend.SpinBound) error {
	if b == nil {
		return nil
	}
	if b.Cycles > 1e12 {
		return fmt.Errorf("%d cycles, at most 1e12", b.Cycles)
	}
	for i, x := range []float64{b.WakeNS, b.WakeP25NS, b.WakeP75NS} {
		if !(x >= 0 && x <= maxSampleValue) {
			return fmt.Errorf("%s %v: want 0 to %v", []string{"wake_ns", "wake_p25_ns", "wake_p75_ns"}[i], x, maxSampleValue)
		}
	}
	if !(b.WakeP25NS <= b.WakeNS && b.WakeNS <= b.WakeP75NS) {
		return fmt.Errorf("quartiles %v, %v, %v out of order", b.WakeP25NS, b.WakeNS, b.WakeP75NS)
	}
	if b.Samples < 0 || b.Samples > maxSamples || b.Skipped < 0 || b.Skipped > maxSamples {
		return fmt.Errorf("%d samples, %d skipped", b.Samples, b.Skipped)
	}
	if !(b.TSCHz == 0 || b.TSCHz >= 1e6 && b.TSCHz <= 1e12) {
		return fmt.Errorf("tsc_hz %v: want 1e6 to 1e12", b.TSCHz)
	}
	if err := text(b.Method); err != nil {
		return fmt.Errorf("method: %w", err)
	}
	return nil
}

// validate checks a paths record against the report's machines.
func (p *PathRecord) validate(machines map[string]bool) error {
	if !machines[p.Machine] {
		return fmt.Errorf("machine %q is not one of the report's", p.Machine)
	}
	if !backendName.MatchString(p.Backend) {
		return fmt.Errorf("backend %q (want %s)", p.Backend, backendName)
	}
	if !workloadName.MatchString(p.Workload) {
		return fmt.Errorf("workload %q (want %s)", p.Workload, workloadName)
	}
	if p.Fast > 1e15 || p.Slow > 1e15 {
		return fmt.Errorf("%s/%s: %d fast and %d slow calls, at most 1e15", p.Backend, p.Workload, p.Fast, p.Slow)
	}
	if err := text(p.CountedBy); err != nil {
		return fmt.Errorf("counted_by: %w", err)
	}
	return nil
}

func (s *Settings) validate() error {
	if s.Runs < 0 || s.Runs > 1e6 {
		return fmt.Errorf("runs %d", s.Runs)
	}
	if s.Anchor.Samples < 0 || s.Anchor.Samples > maxSamples || s.Anchor.Batch < 0 || s.Anchor.Batch > 1<<30 {
		return fmt.Errorf("anchor: %d samples of %d", s.Anchor.Samples, s.Anchor.Batch)
	}
	if err := text(s.Command); err != nil {
		return fmt.Errorf("command: %w", err)
	}
	if len(s.Backends) > maxNamed || len(s.Params) > maxNamed {
		return fmt.Errorf("more than %d backends or workloads", maxNamed)
	}
	for _, b := range s.Backends {
		if !backendName.MatchString(b) {
			return fmt.Errorf("backends: %q (want %s)", b, backendName)
		}
	}
	for w, ps := range s.Params {
		if !workloadName.MatchString(w) || len(ps) > maxNamed {
			return fmt.Errorf("params: workload %q (want %s, at most %d parameters)", w, workloadName, maxNamed)
		}
		for k, v := range ps {
			if !metricName.MatchString(k) || v < 0 || v > 1e18 {
				return fmt.Errorf("params[%s]: %q = %d", w, k, v)
			}
		}
	}
	return nil
}

func (s *Series) validate() error {
	if !backendName.MatchString(s.Backend) {
		return fmt.Errorf("backend %q (want %s)", s.Backend, backendName)
	}
	if !workloadName.MatchString(s.Workload) {
		return fmt.Errorf("workload %q (want %s)", s.Workload, workloadName)
	}
	if s.Backend == AnchorBackend {
		if s.Metric != "" {
			return fmt.Errorf("anchor %s has a metric %q", s.Workload, s.Metric)
		}
	} else if !metricName.MatchString(s.Metric) {
		return fmt.Errorf("metric %q (want %s)", s.Metric, metricName)
	}
	if s.Label == "" {
		return fmt.Errorf("%s/%s: no label", s.Workload, s.Metric)
	}
	for _, v := range []string{s.Label, s.Error} {
		if err := text(v); err != nil {
			return fmt.Errorf("%s/%s: %w", s.Workload, s.Metric, err)
		}
	}
	if len(s.Cycles) != len(s.NS) {
		return fmt.Errorf("%s under %s: %d cycles samples but %d ns samples", s.Label, s.Backend, len(s.Cycles), len(s.NS))
	}
	if len(s.NS) > maxSamples {
		return fmt.Errorf("%s under %s: %d samples, at most %d", s.Label, s.Backend, len(s.NS), maxSamples)
	}
	if err := CheckSamples(s.Cycles, s.NS); err != nil {
		return fmt.Errorf("%s under %s: %w", s.Label, s.Backend, err)
	}
	return nil
}

// CheckSamples says why samples cannot be measurements, or nil: each
// must be finite and positive (a benchmark that reports 0 cycles, or a
// negative or NaN figure, measured nothing), and in range.
func CheckSamples(cycles, ns []float64) error {
	for _, f := range []struct {
		what string
		xs   []float64
	}{{"cycles", cycles}, {"ns", ns}} {
		what, xs := f.what, f.xs
		for i, x := range xs {
			switch {
			case math.IsNaN(x) || math.IsInf(x, 0):
				return fmt.Errorf("sample %d of %d is %v %s: not a number", i+1, len(xs), x, what)
			case x <= 0:
				return fmt.Errorf("sample %d of %d is %v %s: a measurement is positive", i+1, len(xs), x, what)
			case x < minSampleValue || x > maxSampleValue:
				return fmt.Errorf("sample %d of %d is %v %s: out of range %v to %v", i+1, len(xs), x, what, minSampleValue, maxSampleValue)
			}
		}
	}
	return nil
}

// text checks a free-text field: valid UTF-8, at most maxText bytes,
// and nothing a terminal, a spreadsheet or a browser would take for
// other than text (control, bidirectional and invisible characters; see
// untrusted.Visible), newlines and tabs aside. Every writer escapes what
// it prints as well; this refuses a crafted file outright.
func text(s string) error {
	if len(s) > maxText {
		return fmt.Errorf("%d bytes of text, at most %d", len(s), maxText)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%.40q: not UTF-8", s)
	}
	for i, r := range s {
		if r != '\n' && r != '\t' && !untrusted.Visible(r) {
			return fmt.Errorf("%.40q: character %U at byte %d is not text", s, r, i)
		}
	}
	return nil
}
