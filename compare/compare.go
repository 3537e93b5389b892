// Package compare measures the comparison matrix behind `vmm compare`:
// every chosen backend times every benchmark workload, side by side with
// anchors (an empty call, getpid, an mprotect pair, a futex ping-pong, an
// empty KVM exit, memcached over loopback) taken in the same run, and
// returns every sample in a report.Report.
package compare

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"plib/attacks"
	"plib/backend"
	"plib/caps"
	"plib/compare/ddsbaseline"
	"plib/compare/memcached"
	"plib/compare/report"
	"plib/image"
	"plib/internal/hostload"
	"plib/internal/spinwait"
	"plib/untrusted"
)

// Workload is a benchmark image and what it declares for vmm compare
// (image.conf's bench lines): the figures taken from it and its full and
// quick parameters.
type Workload struct {
	Name  string // the image is IMAGES/NAME.elf
	Image *image.Image
	Bench *image.Bench
}

// Workloads finds the benchmark workloads among the images in dir: every
// image that declares a bench, in name order. Adding a workload to vmm
// compare is adding bench lines to its image.conf.
func Workloads(dir string) ([]Workload, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.elf"))
	if err != nil {
		return nil, err
	}
	var ws []Workload
	for _, p := range paths {
		if has, err := image.DeclaresBench(p); err != nil || !has {
			continue // no benchmark (or no image: not ours to judge here)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".elf")
		if err := report.CheckWorkloadName(name); err != nil {
			// The name is in every report; one --merge would refuse is refused here.
			return nil, fmt.Errorf("workload image %s: %w (rename the image)", untrusted.Line(p), err)
		}
		img, err := image.Load(p)
		if err != nil {
			return nil, fmt.Errorf("workload image %s: %w", p, err)
		}
		if img.Bench != nil {
			ws = append(ws, Workload{Name: name, Image: img, Bench: img.Bench})
		}
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("no benchmark workload in %s (an image declares itself one with bench lines in its image.conf; scripts/build "+
			"builds the images): %w", dir, os.ErrNotExist)
	}
	return ws, nil
}

// reportedTwice returns the application instance (its domain) that
// reported the metric name most often in res, and how often.
func reportedTwice(res *backend.Result, name string) (domain string, n int) {
	count := map[string]int{}
	for _, m := range res.Metrics {
		if m.Name == name {
			if count[m.Domain]++; count[m.Domain] > n {
				domain, n = m.Domain, count[m.Domain]
			}
		}
	}
	return domain, n
}

// hostLoadWindow is how long the host's CPU time is watched for its busy
// share, at the start and the end of a run.
const hostLoadWindow = 250 * time.Millisecond

// anchorBatch is the operations per anchor sample in a full run (a
// --quick run uses a quarter), sized so that one sample takes about 1-5 ms
// and the harness's clock reads stay well under 1% of it.
var anchorBatch = map[string]int{"call": 1 << 20, "getpid": 4000, "mprotect": 500, "futex": 200,
	"futex-1core": 400, "spin": 8000, "kvm-exit-ring0": 300, "wrpkru": 1 << 16}

// Config is what to measure.
type Config struct {
	Backends  []backend.Backend
	Images    string // directory holding NAME.elf for every workload
	Quick     bool
	Runs      int // runs of each workload per backend (0: 3, or 1 with Quick)
	Memcached bool
	// DDSEcho, if set, measures the dds baselines beside dds-pingpong as
	// anchors: the command (and arguments before the port) that runs the
	// UDP echo process (vmm dds-baseline --echo-port), and ddsperf.
	DDSEcho []string
	// Attacks runs the attack suite under every available backend, so the
	// verdict can say what each one stops.
	Attacks bool
	Timeout time.Duration      // bound on one workload run
	Wait    backend.WaitPolicy // the process backend's wait (vmm run --wait)
	// Workloads, if set, are the only workloads measured (by name: the
	// image is IMAGES/NAME.elf); Run refuses a name that is none of them.
	Workloads []string
	// Secrets are the secrets given by library name (vmm compare
	// --secret LIB=FILE): each run of a workload image that has library
	// LIB gives it this one, as vmm run --secret does. A library whose
	// image declares it needs one (bench-secret) and is given none here
	// gets secretBytes fresh random bytes per run. Run refuses a name that
	// no measured workload has as a library.
	Secrets backend.Secrets
	// Progress, if set, is told each step as it starts (done of total).
	Progress func(step string, done, total int)
}

// ErrUnknownWorkload is a --workload name no image in the directory has.
var ErrUnknownWorkload = errors.New("unknown workload")

// ErrSecretForNoLibrary is a secret for a library no measured workload has.
var ErrSecretForNoLibrary = errors.New("a secret for no library")

// secretBytes is the size of the random secret a run provisions for a
// library that declares it needs one and was given none.
const secretBytes = 32

// checkSecrets refuses a secret for a library that none of ws has.
func checkSecrets(s backend.Secrets, ws []Workload) error {
	for lib := range s {
		var libs []string
		found := false
		for _, w := range ws {
			for _, d := range w.Image.Libraries() {
				found = found || d.Name == lib
				libs = append(libs, w.Name+":"+d.Name)
			}
		}
		if !found {
			return fmt.Errorf("%w: --secret %s: no measured workload has a library of that name (they have %s)", ErrSecretForNoLibrary,
				untrusted.Line(lib), untrusted.Line(strings.Join(libs, ", ")))
		}
	}
	return nil
}

// runSecrets returns the secrets one run of img gets: cfg's for its
// libraries, and fresh random ones for those its bench declaration says
// need one and cfg has none for.
func runSecrets(img *image.Image, given backend.Secrets) (backend.Secrets, error) {
	s := backend.Secrets{}
	for _, d := range img.Libraries() {
		if b, ok := given[d.Name]; ok {
			s[d.Name] = b
		}
	}
	if img.Bench != nil {
		for _, lib := range img.Bench.Secrets {
			if _, ok := s[lib]; ok {
				continue
			}
			b := make([]byte, secretBytes)
			if _, err := rand.Read(b); err != nil {
				return nil, fmt.Errorf("a random secret for library %s: %w", lib, err)
			}
			s[lib] = b
		}
	}
	if len(s) == 0 {
		return nil, nil
	}
	return s, nil
}

// pick keeps the workloads named (all of them when names is empty).
func pick(ws []Workload, names []string, dir string) ([]Workload, error) {
	if len(names) == 0 {
		return ws, nil
	}
	var known []string
	for _, w := range ws {
		known = append(known, w.Name)
	}
	var out []Workload
	for _, n := range names {
		i := slices.Index(known, n)
		if i < 0 {
			return nil, fmt.Errorf("%w %q: the benchmark workloads in %s are %s", ErrUnknownWorkload, n, dir, strings.Join(known, ", "))
		}
		if !slices.ContainsFunc(out, func(w Workload) bool { return w.Name == n }) {
			out = append(out, ws[i])
		}
	}
	return out, nil
}

// Run measures the matrix and returns the report. If ctx ends during the
// workloads' runs, it returns what it measured so far, as a report that
// says so, with ctx's error.
func Run(ctx context.Context, cfg Config) (*report.Report, error) {
	if cfg.Runs <= 0 {
		cfg.Runs = 3
		if cfg.Quick {
			cfg.Runs = 1
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	workloads, err := Workloads(cfg.Images)
	if err != nil {
		return nil, err
	}
	if workloads, err = pick(workloads, cfg.Workloads, cfg.Images); err != nil {
		return nil, err
	}
	if err := checkSecrets(cfg.Secrets, workloads); err != nil {
		return nil, err
	}
	// The host's load before anything runs, and what a wake-up costs on
	// it while it is this quiet: every spin bound of the run is set from
	// that (see spinwait.Calibrate), not from a machine our runs load.
	load := &report.RunLoad{Start: hostload.Read(hostLoadWindow)}
	spinwait.Calibrate()
	m := probeMachine()
	m.HostLoad = load
	rep := &report.Report{FormatVersion: report.FormatVersion, Generated: time.Now().UTC(),
		Settings: report.Settings{Quick: cfg.Quick, Runs: cfg.Runs, Params: map[string]map[string]int64{},
			Command: strings.Join(os.Args, " ")}}
	defer func() { load.End = hostload.Read(hostLoadWindow) }() // the report returned carries it, however Run ends
	var avail []backend.Backend
	for _, b := range cfg.Backends {
		mech := b.Probe()
		mech.Style = backend.StyleOf(b.Name())
		m.Mechanisms = append(m.Mechanisms, mech)
		rep.Settings.Backends = append(rep.Settings.Backends, b.Name())
		if mech.Available() {
			avail = append(avail, b)
		}
	}
	anchorScale := 1
	if cfg.Quick {
		anchorScale = 4
	}
	anchorSamples := 41
	if cfg.Quick {
		anchorSamples = 9
	}
	rep.Settings.Anchor = report.AnchorSettings{Samples: anchorSamples, Batch: anchorBatch["getpid"] / anchorScale}

	total := cfg.Runs*len(workloads)*len(avail) + len(Anchors)
	if cfg.Attacks {
		total += len(avail)
	}
	hasKV := slices.ContainsFunc(workloads, func(w Workload) bool { return w.Name == "kv" })
	if cfg.Memcached && !hasKV { // memcached is kv's baseline: nothing to set it beside
		cfg.Memcached = false
		rep.Notes = append(rep.Notes, "memcached was not measured: it is the kv workload's baseline, and kv was not among the workloads measured")
	}
	if cfg.Memcached {
		total++
	}
	if !slices.ContainsFunc(workloads, func(w Workload) bool { return w.Name == "dds-pingpong" }) {
		cfg.DDSEcho = nil // nothing to set its baselines beside
	}
	if cfg.DDSEcho != nil {
		total++
	}
	done := 0 // steps finished
	step := func(name string) {
		if cfg.Progress != nil {
			cfg.Progress(name, done, total)
		}
	}
	series := map[string]*report.Series{}
	var order []string
	get := func(b, w string, met image.BenchMetric) *report.Series {
		k := b + "/" + w + "/" + met.Name
		if s, ok := series[k]; ok {
			return s
		}
		s := &report.Series{Machine: m.Label, Backend: b, Workload: w, Metric: met.Name, Label: met.Label}
		series[k] = s
		order = append(order, k)
		return s
	}
	ran := map[string]backend.Mechanism{}
	// partial ends the run when ctx has ended: the report of what was
	// measured so far, marked partial, and ctx's error.
	partial := func() (*report.Report, error) {
		for i, mech := range m.Mechanisms {
			if r, ok := ran[mech.Backend]; ok {
				m.Mechanisms[i] = r
			}
		}
		if rep.Series == nil {
			for _, k := range order {
				rep.Series = append(rep.Series, *series[k])
			}
		}
		rep.Partial = &report.Partial{StepsDone: done, StepsTotal: total}
		rep.Machines = []report.Machine{m}
		rep.Summarize()
		return rep, ctx.Err()
	}
measure:
	for run := 0; run < cfg.Runs; run++ {
		for _, w := range workloads {
			params := w.Bench.Full
			if cfg.Quick {
				params = w.Bench.Quick
			}
			rep.Settings.Params[w.Name] = params
			for _, b := range avail {
				if ctx.Err() != nil {
					break measure
				}
				step(fmt.Sprintf("%s under %s (run %d of %d)", w.Name, b.Name(), run+1, cfg.Runs))
				res, err := runOnce(ctx, b, w.Image, filepath.Join(cfg.Images, w.Name+".elf"), params, cfg)
				if ctx.Err() != nil {
					break measure // the interrupted run measured nothing to keep
				}
				done++
				if err == nil {
					ran[b.Name()] = res.Mechanism // as it ran: the options can change it (--wait)
					rep.AddPaths(m.Label, b.Name(), w.Name, res.Paths)
				}
				for _, met := range w.Bench.Metrics {
					s := get(b.Name(), w.Name, met)
					if err != nil {
						if s.Error == "" {
							s.Error = err.Error()
						}
						continue
					}
					if s.Error != "" {
						continue // invalid already: no more samples
					}
					hz := res.TSCHz
					if hz <= 0 {
						hz = m.TSCHz
					}
					var cycles, ns []float64
					for _, c := range res.Samples(met.Name + "_cycles") {
						cycles = append(cycles, float64(c))
						ns = append(ns, float64(c)/hz*1e9)
					}
					// A benchmark that reports 0 cycles, or a negative or
					// NaN figure, measured nothing: its series is invalid,
					// with the reason, and the rest of the comparison stands.
					err := report.CheckSamples(cycles, ns)
					if len(cycles) == 0 {
						err = errors.New("no samples: the workload reported none")
					}
					if d, n := reportedTwice(res, met.Name+"_cycles"); n > 1 {
						// Two sets of rounds under one name would be joined
						// into one series without a word.
						err = fmt.Errorf("reported %d times by one application instance (%s)", n, untrusted.Line(d))
					}
					if err != nil {
						s.Error = fmt.Sprintf("invalid (%s_cycles): %v", met.Name, err)
						s.Cycles, s.NS = nil, nil
						continue
					}
					s.Cycles, s.NS = append(s.Cycles, cycles...), append(s.NS, ns...)
				}
			}
		}
	}
	if ctx.Err() != nil {
		return partial()
	}
	for i, mech := range m.Mechanisms {
		if r, ok := ran[mech.Backend]; ok {
			r.Style = mech.Style
			m.Mechanisms[i] = r
		}
	}
	for _, k := range order {
		rep.Series = append(rep.Series, *series[k])
	}
	// Anchors.
	for _, a := range Anchors {
		if ctx.Err() != nil {
			return partial()
		}
		step("anchor: " + a.Label)
		s := report.Series{Machine: m.Label, Backend: report.AnchorBackend, Workload: a.Name, Label: a.Label}
		op, cleanup, err := a.Setup()
		if err != nil {
			s.Error = err.Error()
		} else {
			for _, smp := range Measure(op, anchorSamples, max(1, anchorBatch[a.Name]/anchorScale)) {
				s.Cycles = append(s.Cycles, smp.Cycles)
				s.NS = append(s.NS, smp.NS)
			}
			cleanup()
		}
		rep.Series = append(rep.Series, s)
		done++
	}
	kvmExit := report.Series{Machine: m.Label, Backend: report.AnchorBackend, Workload: "kvm-exit",
		Label: "empty KVM exit round trip (port I/O; the null workload under vmfunc)"}
	if s, ok := series["vmfunc/null/sys_nop"]; ok && s.Error == "" {
		kvmExit.Cycles, kvmExit.NS = s.Cycles, s.NS
	} else {
		kvmExit.Error = "the vmfunc backend did not run"
		for _, mech := range m.Mechanisms {
			if mech.Backend == "vmfunc" && !mech.Available() {
				kvmExit.Error = mech.Unavailable
			}
		}
		if ok {
			kvmExit.Error = s.Error
		}
	}
	rep.Series = append(rep.Series, kvmExit)
	// A baseline stopped by the interrupt measured nothing: it is left
	// out (its mechanism too), not reported as failed.
	if cfg.Memcached && ctx.Err() == nil {
		step("memcached over loopback")
		mechs := len(m.Mechanisms)
		ss := measureMemcached(ctx, cfg, &m, workloads)
		if ctx.Err() != nil {
			m.Mechanisms = m.Mechanisms[:mechs]
			return partial()
		}
		rep.Series = append(rep.Series, ss...)
		done++
	}
	if cfg.DDSEcho != nil && ctx.Err() == nil {
		step("UDP sockets and ddsperf over loopback")
		ss := measureDDS(ctx, cfg, &m)
		if ctx.Err() != nil {
			return partial()
		}
		rep.Series = append(rep.Series, ss...)
		done++
	}
	if cfg.Attacks {
		for _, b := range avail {
			if ctx.Err() != nil {
				return partial()
			}
			step("attacks under " + b.Name())
			a := runAttacks(ctx, b, cfg.Images)
			if ctx.Err() != nil {
				return partial()
			}
			rep.Attacks = append(rep.Attacks, a)
			done++
		}
	}
	if ctx.Err() != nil {
		return partial()
	}
	rep.Machines = []report.Machine{m}
	rep.Summarize()
	return rep, nil
}

// runOnce runs one workload image with samples on; a run that does not
// exit cleanly is an error naming how it ended.
func runOnce(ctx context.Context, b backend.Backend, img *image.Image, path string, params map[string]int64, cfg Config) (*backend.Result, error) {
	timeout := cfg.Timeout
	p := map[string]int64{"samples": 1}
	for k, v := range params {
		p[k] = v
	}
	secrets, err := runSecrets(img, cfg.Secrets)
	if err != nil {
		return nil, err
	}
	res, err := backend.Run(ctx, b, img, path, backend.Options{Params: p, Timeout: timeout, CallBudget: 10 * time.Second, Wait: cfg.Wait,
		Secrets: secrets})
	switch {
	case err != nil:
		return nil, err
	case res.Violation != nil:
		return nil, fmt.Errorf("stopped: %s", res.Violation.Error())
	case res.TimedOut:
		return nil, fmt.Errorf("timed out after %s", timeout)
	case !res.Exited || res.ExitCode != 0:
		return nil, fmt.Errorf("the workload exited with code %d", res.ExitCode)
	}
	return res, nil
}

// measureMemcached runs the memcached baseline: a memcached column for
// the kv rows, and its get 128 B as an anchor.
func measureMemcached(ctx context.Context, cfg Config, m *report.Machine, workloads []Workload) []report.Series {
	kv := &image.Bench{Full: map[string]int64{}, Quick: map[string]int64{}}
	for _, w := range workloads {
		if w.Name == "kv" { // the memcached driver runs kv's operations
			kv = w.Bench
		}
	}
	params := kv.Full
	if cfg.Quick {
		params = kv.Quick
	}
	runs := int(params["rounds"]) * cfg.Runs
	res, err := memcached.Memcached(ctx, memcached.Options{Iterations: int(params["iterations"]), Rounds: runs, TSCHz: m.TSCHz, Samples: true})
	anchor := report.Series{Machine: m.Label, Backend: report.AnchorBackend, Workload: "memcached",
		Label: "memcached get 128 B over loopback"}
	var out []report.Series
	if err != nil {
		mech := backend.Mechanism{Backend: "memcached", Mode: backend.Unavailable, Switch: "a request over loopback TCP", Unavailable: err.Error()}
		if !errors.Is(err, memcached.ErrUnavailable) {
			mech.Unavailable = "failed: " + err.Error()
		}
		m.Mechanisms = append(m.Mechanisms, mech)
		anchor.Error = mech.Unavailable
		return []report.Series{anchor}
	}
	m.Mechanisms = append(m.Mechanisms, res.Mechanism)
	if f := strings.Fields(res.Mechanism.Detail); len(f) > 1 { // "memcached VERSION on ..."
		m.Versions["memcached"] = f[1]
	}
	for _, met := range kv.Metrics {
		s := report.Series{Machine: m.Label, Backend: "memcached", Workload: "kv", Metric: met.Name, Label: met.Label}
		for _, c := range res.Samples(met.Name + "_cycles") {
			s.Cycles = append(s.Cycles, float64(c))
			s.NS = append(s.NS, float64(c)/m.TSCHz*1e9)
		}
		if met.Name == "get_128" {
			anchor.Cycles, anchor.NS = s.Cycles, s.NS
		}
		out = append(out, s)
	}
	return append(out, anchor)
}

// measureDDS runs dds-pingpong's baselines as anchors: the same 12-byte
// ping-pong over kernel UDP sockets between two processes (every round
// a sample), and Cyclone DDS's ddsperf ping/pong (its median, one
// sample), both over loopback. A missing ddsperf makes its anchor
// unavailable, with the reason.
func measureDDS(ctx context.Context, cfg Config, m *report.Machine) []report.Series {
	iters, rounds, secs := 2000, 5*cfg.Runs, 4
	if cfg.Quick {
		iters, rounds, secs = 500, 3, 2
	}
	udp := report.Series{Machine: m.Label, Backend: report.AnchorBackend, Workload: "dds-udp",
		Label: "UDP ping-pong 12 B over loopback (kernel sockets, two processes)"}
	if _, per, err := ddsbaseline.UDPPingPong(ctx, cfg.DDSEcho[0], cfg.DDSEcho[1:], 12, iters, rounds); err != nil {
		udp.Error = "failed: " + err.Error()
	} else {
		for _, d := range per {
			udp.NS = append(udp.NS, float64(d.Nanoseconds()))
			udp.Cycles = append(udp.Cycles, d.Seconds()*m.TSCHz)
		}
	}
	dds := report.Series{Machine: m.Label, Backend: report.AnchorBackend, Workload: "dds-ddsperf",
		Label: "Cyclone DDS ddsperf ping/pong 12 B over loopback (its median)"}
	if d, err := ddsbaseline.DDSPerfPing(ctx, 12, secs); err != nil {
		dds.Error = err.Error()
		if !errors.Is(err, ddsbaseline.ErrUnavailable) {
			dds.Error = "failed: " + err.Error()
		}
	} else {
		dds.NS, dds.Cycles = []float64{float64(d.Nanoseconds())}, []float64{d.Seconds() * m.TSCHz}
	}
	return []report.Series{udp, dds}
}

// probeMachine describes this machine for the report.
func probeMachine() report.Machine {
	cpu := caps.ProbeCPU()
	host, _ := os.Hostname()
	var uts unix.Utsname
	kernel := "?"
	if unix.Uname(&uts) == nil {
		kernel = unix.ByteSliceToString(uts.Release[:])
	}
	var flags []string
	for _, f := range []struct {
		name string
		on   bool
	}{{"vmx", cpu.VMX}, {"svm", cpu.SVM}, {"vmfunc", cpu.VMFUNC}, {"pku", cpu.PKU}, {"ospke", cpu.OSPKE}} {
		if f.on {
			flags = append(flags, f.name)
		} else {
			flags = append(flags, "no-"+f.name)
		}
	}
	if _, err := os.Stat("/dev/kvm"); err == nil {
		flags = append(flags, "kvm")
	} else {
		flags = append(flags, "no-kvm")
	}
	hz := caps.TSCHz()
	for i := 0; i < 2; i++ { // the mean of three 20 ms calibrations
		hz += caps.TSCHz()
	}
	return report.Machine{Label: report.MachineLabel(host), Host: host, CPUModel: cpu.Model, CPUFlags: flags, Cores: cpu.Cores,
		Hypervisor: cpu.Hypervisor, Kernel: kernel, TSCHz: hz / 3,
		Versions: map[string]string{"plib": plibVersion(), "go": runtime.Version()}}
}

// BuildVersion is set by scripts/build (-ldflags -X) to `git describe`,
// for builds that carry no VCS information (GOFLAGS=-buildvcs=false).
var BuildVersion string

// plibVersion is the VCS revision this binary was built from.
func plibVersion() string {
	if BuildVersion != "" {
		return BuildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown (built without VCS information)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+modified"
	}
	return rev
}

// runAttacks runs the attack catalogue under b and counts what it stopped.
func runAttacks(ctx context.Context, b backend.Backend, dir string) report.AttackRecord {
	rec := report.AttackRecord{Backend: b.Name()}
	for _, a := range attacks.Catalogue {
		switch o := attacks.Run(ctx, b, a, dir); o.Verdict {
		case attacks.Stopped, attacks.Refused:
			rec.Ran++
			rec.Stopped++
		case attacks.NotStopped:
			rec.Ran++
			rec.NotStopped = append(rec.NotStopped, a.Image)
		case attacks.Failed: // the run itself failed: neither stopped nor through, and said so
			rec.Ran++
			rec.NotStopped = append(rec.NotStopped, a.Image+" (the run failed: "+o.Text+")")
		}
	}
	return rec
}
