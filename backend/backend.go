// Package backend defines what every isolation backend implements and what
// a run reports, so that reports can set backends side by side.
package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"plib/image"
)

// Mode says how a backend's domain switch is carried out on this machine.
type Mode string

// Modes.
const (
	Hardware    Mode = "hardware"    // the switch instruction runs on the CPU
	Emulated    Mode = "emulated"    // something traps and emulates it (see By)
	NoIsolation Mode = "none"        // there is no switch: a plain call
	Unavailable Mode = "unavailable" // cannot run here (see Why)
	Baseline    Mode = "baseline"    // a reference measurement, not an isolation mechanism
)

// Mechanism is a backend's availability and how its switch runs.
type Mechanism struct {
	Backend     string `json:"backend"`
	Mode        Mode   `json:"mode"`
	Switch      string `json:"switch"`                // the instruction or call that switches domains
	EmulatedBy  string `json:"emulated_by,omitempty"` // who emulates it, when Mode is Emulated
	Unavailable string `json:"unavailable,omitempty"` // why, when Mode is Unavailable
	Detail      string `json:"detail,omitempty"`
	// Floor is what one library call cannot avoid under this mechanism
	// as it runs here; nil where there is nothing to measure it by.
	Floor *Floor `json:"floor,omitempty"`
	// Spin is the spin bound a hand-off waited with, where it spins
	// (handoff, process); nil elsewhere.
	Spin *SpinBound `json:"spin,omitempty"`
	// Style is how the backend is drawn in charts (Register's); 0 for a
	// baseline, or a report written before styles were recorded.
	Style Style `json:"style,omitempty"`
}

// Floor is a mechanism's unavoidable cost per library call: Times the
// cost of one of vmm compare's anchors (the exits, system calls and
// wake-ups the mechanism cannot do without), measured in the same run,
// so that a report can show how far above it the backend's call runs.
type Floor struct {
	Anchor string  `json:"anchor"` // the anchor's name: call, mprotect, kvm-exit, spin, ...
	Times  float64 `json:"times"`  // how many of it one library call needs
	What   string  `json:"what"`   // in words: "two ring-3 exits (in and out)"
}

// Available reports whether the backend can run here.
func (m Mechanism) Available() bool { return m.Mode != Unavailable }

// String is a one-line human label.
func (m Mechanism) String() string {
	switch m.Mode {
	case Emulated:
		return fmt.Sprintf("%s: %s emulated by %s", m.Backend, m.Switch, m.EmulatedBy)
	case Unavailable:
		return fmt.Sprintf("%s: unavailable: %s", m.Backend, m.Unavailable)
	case NoIsolation:
		return fmt.Sprintf("%s: no isolation (%s)", m.Backend, m.Switch)
	case Baseline:
		return fmt.Sprintf("%s: baseline (%s)", m.Backend, m.Switch)
	}
	return fmt.Sprintf("%s: %s on hardware", m.Backend, m.Switch)
}

// Options are what a user can set for one run.
type Options struct {
	Params  map[string]int64 // workload parameters (vmm run --param)
	Timeout time.Duration    // wall-clock bound for the whole run
	// CallBudget bounds one library call (the outermost, nested calls
	// included); 0 means no bound. A call past it is aborted.
	CallBudget time.Duration
	Output     io.Writer // where the workload's prints go; nil discards
	// Wait is how a backend that hands calls between two threads of
	// control waits (the process backend); others ignore it.
	Wait WaitPolicy
	// Canary, if set, is a fresh secret the backend plants in every
	// library's private memory (its trusted slot) and afterwards looks for
	// in everything the application could have written out: its prints,
	// metrics, exit code and its own memory (Result.Leaked). vmm attacks
	// sets one per run, so an attack that hides its success is still seen.
	Canary []byte
	// Secrets are the libraries' provisioned secrets (vmm run --secret
	// LIB=FILE): the trusted loader writes each into its library's TLS
	// block (PlaceTLS) and nowhere else.
	Secrets Secrets
}

// Metric is a named value the workload reported.
type Metric struct {
	Name   string `json:"name"`
	Value  int64  `json:"value"`
	Domain string `json:"domain"`
}

// Result is the outcome of one run.
type Result struct {
	Backend      string            `json:"backend"`
	Mechanism    Mechanism         `json:"mechanism"`
	Image        string            `json:"image"`
	ExitCode     int64             `json:"exit_code"` // the workload's own exit code; in JSON only when Exited
	Exited       bool              `json:"exited"`    // the workload called exit
	Violation    *Violation        `json:"violation,omitempty"`
	TimedOut     bool              `json:"timed_out"`
	Metrics      []Metric          `json:"metrics"`
	Exits        map[string]uint64 `json:"exits,omitempty"` // exits by reason
	ViewSwitches uint64            `json:"view_switches"`
	// Paths counts the library calls a hand-off answered on its fast
	// path (the waiter still spinning) and on its slow path (after it
	// slept), where a backend has both (handoff, process); nil elsewhere.
	Paths *PathCounts `json:"paths,omitempty"`
	// GateSwitches is what the vmfunc gate counted in the libraries'
	// trusted slots: every switch into a library and back out of it.
	GateSwitches uint64             `json:"gate_switches,omitempty"`
	TSCHz        float64            `json:"tsc_hz,omitempty"`
	Derived      map[string]float64 `json:"derived,omitempty"` // from metrics and TSCHz: see Derive
	Notes        []string           `json:"notes,omitempty"`   // what the backend checked or set up
	WallSeconds  float64            `json:"wall_seconds"`
	// Leaked says where the Options.Canary planted in a library turned up
	// among the application's outputs ("" if nowhere, or no canary).
	Leaked string `json:"leaked,omitempty"`
}

// MarshalJSON leaves exit_code out when the workload did not exit (it was
// stopped, or never started): a 0 there would read as success.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result // without this method
	out := struct {
		plain
		ExitCode *int64 `json:"exit_code,omitempty"` // shadows plain's
	}{plain: plain(r)}
	if r.Exited {
		out.ExitCode = &r.ExitCode
	}
	return json.Marshal(out)
}

// Derive fills Derived from the metrics: NAME_ns for every NAME_cycles
// metric, calls_per_sec from call_cycles and mixed_ops_per_sec from
// mixed_cycles (cycles per operation), using TSCHz.
func (r *Result) Derive() {
	if r.TSCHz <= 0 {
		return
	}
	r.Derived = map[string]float64{}
	for _, m := range r.Metrics {
		if strings.HasPrefix(m.Name, SamplePrefix) {
			continue
		}
		if name, ok := strings.CutSuffix(m.Name, "_cycles"); ok {
			r.Derived[name+"_ns"] = float64(m.Value) / r.TSCHz * 1e9
			if name == "call" && m.Value > 0 {
				r.Derived["calls_per_sec"] = r.TSCHz / float64(m.Value)
			}
			if name == "mixed" && m.Value > 0 {
				r.Derived["mixed_ops_per_sec"] = r.TSCHz / float64(m.Value)
			}
		}
	}
}

// SamplePrefix marks a metric that is one round's figure (a sample for
// vmm compare's statistics), not the run's result: "s:call_cycles".
const SamplePrefix = "s:"

// Samples returns every round's figure reported for the named metric
// (metrics named SamplePrefix+name), in the order they were reported.
func (r *Result) Samples(name string) []int64 {
	var v []int64
	for _, m := range r.Metrics {
		if m.Name == SamplePrefix+name {
			v = append(v, m.Value)
		}
	}
	return v
}

// Metric returns the value of the named metric.
func (r *Result) Metric(name string) (int64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

// Backend is an isolation mechanism that can run workload images. A
// backend runs one application instance at a time; Run (the function in
// this package) runs every instance an image asks for and merges them.
// A backend makes itself known with Register.
type Backend interface {
	// Name is the --backend value.
	Name() string
	// Probe says whether and how the backend can run on this machine.
	Probe() Mechanism
	// RunInstance runs one application instance of the image to
	// completion, a violation or the timeout. An error means the run
	// could not be carried out (ErrUnavailable, a host failure); a
	// violation is a Result, not an error.
	RunInstance(ctx context.Context, img *image.Image, imagePath string, opts Options, inst Instance) (*Result, error)
}

// Instance is which application instance a backend runs, and what the
// instances of one image share. For an image with one application
// (PLIB_APPS unset) it is the zero Instance.
type Instance struct {
	// App is the instance's number, 0 to the image's Apps-1: the identity
	// the libraries see (their per-application namespaces).
	App int
	// Shared is the file holding the libraries' data and heap, which every
	// instance maps over its own copy; nil for a single instance.
	Shared *os.File
	// Alive holds one byte per instance, 1 while it runs (AliveReader);
	// nil for a single instance.
	Alive *os.File
}

// ErrUnavailable is returned by Run when the backend cannot run here.
var ErrUnavailable = errors.New("backend unavailable")

// SpinBound is how long a waiting side of a hand-off spins before it
// sleeps (the handoff and process backends), and what it was set from:
// what waking a sleeping thread costs on this machine, measured once per
// process (vmm compare: before it measures anything).
type SpinBound struct {
	Cycles uint64 `json:"cycles"`           // the bound, TSC cycles
	Capped bool   `json:"capped,omitempty"` // capped at a quarter of the call budget
	// WakeNS is the wake-up cost the bound is set to (the median), with
	// its quartiles, over Samples wake-ups; Skipped rounds found the
	// sleeper not asleep and were not counted.
	WakeNS    float64 `json:"wake_ns"`
	WakeP25NS float64 `json:"wake_p25_ns"`
	WakeP75NS float64 `json:"wake_p75_ns"`
	Samples   int     `json:"samples"`
	Skipped   int     `json:"skipped"`
	TSCHz     float64 `json:"tsc_hz"`
	Method    string  `json:"method"`
}

// PathCounts are a run's library calls by how their waiter was answered:
// on the fast path, while it spun, or on the slow path, after it slept
// (parked, or on the futex). CountedBy says who counted: a count the
// application can write is a statistic, never a verdict.
type PathCounts struct {
	Fast      uint64 `json:"fast"`
	Slow      uint64 `json:"slow"`
	CountedBy string `json:"counted_by"`
}

// Add is p and q summed (either may be nil; nil if both are).
func (p *PathCounts) Add(q *PathCounts) *PathCounts {
	switch {
	case p == nil && q == nil:
		return nil
	case p == nil:
		c := *q
		return &c
	case q == nil:
		c := *p
		return &c
	}
	c := *p
	c.Fast += q.Fast
	c.Slow += q.Slow
	if c.CountedBy == "" {
		c.CountedBy = q.CountedBy
	}
	return &c
}
