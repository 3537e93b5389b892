// Package backendtest is the conformance suite every backend runs: a
// backend's directory holds a test calling Run with the name it
// registered under, and the suite drives it only through the public API
// (the registry, package image, backend.Run and package attacks), in
// named rows: every workload with what it must report, every attack of
// the catalogue with the verdict the backend's promise demands, sharing
// with its exact count, a call past its budget, a run cancelled in the
// middle of a library call, a library's fault and the wall-clock timeout.
//
// A backend unavailable here skips with its probe's reason; a row a
// backend cannot run is declared by its test with Skip and a reason, and
// a declaration naming no row fails.
package backendtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"plib/attacks"
	"plib/backend"
	"plib/backend/hostproc"
	"plib/image"
	"plib/internal/testimages"
	"plib/internal/wlcheck"
	"plib/internal/xstatecheck"
)

// Exit codes of vmm run (docs/cli.md), as the suite judges a result by
// them.
const (
	ExitOK        = 0 // the workload exited 0
	ExitWorkload  = 1 // the workload exited non-zero
	ExitViolation = 3 // an isolation violation was stopped
	ExitTimeout   = 5 // past --timeout, or a library call past --call-budget
)

// ExitCode is the exit code vmm run gives res.
func ExitCode(res *backend.Result) int {
	switch {
	case res.TimedOut, res.Violation != nil && res.Violation.Kind == backend.ViolationBudget:
		return ExitTimeout
	case res.Violation != nil:
		return ExitViolation
	case res.ExitCode != 0:
		return ExitWorkload
	}
	return ExitOK
}

// Main is the TestMain of a package whose tests run the suite: a host
// backend re-executes the test binary for each workload, and the child
// must run as one, not as the tests.
func Main(m *testing.M) {
	hostproc.MaybeChild()
	os.Exit(m.Run())
}

// Option changes how Run runs the suite.
type Option func(*config)

type config struct {
	skip map[string]string // row (or a row's parent) -> why
}

// Skip declares that the backend cannot run row (a row's name, as Rows
// lists it, or the name of a group of rows such as "attack"), and why:
// the row is skipped with that reason. Run fails if row names no row.
func Skip(row, why string) Option {
	return func(c *config) { c.skip[row] = why }
}

// suite is one run of the suite against one backend.
type suite struct {
	name    string
	b       backend.Backend
	promise backend.Promise
	cfg     config
	used    map[string]bool
}

// Run runs every row against the backend registered as name.
func Run(t *testing.T, name string, opts ...Option) {
	t.Helper()
	b, ok := backend.Lookup(name)
	if !ok {
		t.Fatalf("no backend registered as %q (registered: %v): blank-import its package", name, backend.Names())
	}
	s := &suite{name: name, b: b, promise: backend.PromiseOf(name), cfg: config{skip: map[string]string{}}, used: map[string]bool{}}
	for _, o := range opts {
		o(&s.cfg)
	}
	for row := range s.cfg.skip {
		if !isRow(row) {
			t.Fatalf("Skip(%q): no such row or group (rows: %v)", row, Rows())
		}
	}
	if s.promise != backend.Isolates && s.promise != backend.Ceiling {
		t.Fatalf("%s registered with promise %d", name, s.promise)
	}
	if m := b.Probe(); !m.Available() {
		t.Skipf("SKIPPING the conformance suite: %s is unavailable here: %s", name, m.Unavailable)
	}
	for _, r := range rows {
		s.row(t, r.name, r.run)
	}
}

// row runs one row as a subtest, or skips it as declared.
func (s *suite) row(t *testing.T, name string, run func(*suite, *testing.T)) {
	t.Run(name, func(t *testing.T) {
		for prefix := name; ; {
			if why, ok := s.cfg.skip[prefix]; ok {
				t.Skipf("%s declares it cannot run %s: %s", s.name, name, why)
			}
			i := strings.LastIndexByte(prefix, '/')
			if i < 0 {
				break
			}
			prefix = prefix[:i]
		}
		run(s, t)
	})
}

// rowDef is one row of the suite.
type rowDef struct {
	name string
	run  func(*suite, *testing.T)
}

// rows is the suite, in order.
var rows = func() []rowDef {
	r := []rowDef{
		{"workload/null", (*suite).null},
		{"workload/kv", (*suite).kv},
		{"workload/kv-hostile", (*suite).kvHostile},
		{"workload/ipc", (*suite).ipc},
		{"workload/lib-print", (*suite).libPrint},
		{"workload/gate-state", (*suite).gateState},
		{"workload/signal-call", (*suite).signalCall},
		{"workload/xstate", (*suite).xstate},
		{"workload/tls", (*suite).tls},
		{"workload/cstats", (*suite).cstats},
		{"workload/zlib", (*suite).zlib},
		{"workload/secret", (*suite).secret},
		{"workload/crypto", (*suite).crypto},
		{"workload/kv-load", func(s *suite, t *testing.T) { s.load(t, "kv-load", 2) }},
		{"workload/kv-load-8", func(s *suite, t *testing.T) { s.load(t, "kv-load-8", 8) }},
		{"workload/app-crash", (*suite).appCrash},
		{"sharing", (*suite).sharing},
		{"budget", (*suite).budget},
		{"kill/mid-call", (*suite).killMidCall},
		{"kill/cancel", (*suite).cancel},
		{"fault", (*suite).fault},
		{"timeout", (*suite).timeout},
	}
	for _, a := range attacks.Catalogue {
		r = append(r, rowDef{"attack/" + a.Image, func(s *suite, t *testing.T) { s.attack(t, a) }})
	}
	return r
}()

// Rows lists the names of the suite's rows, in order.
func Rows() []string {
	var names []string
	for _, r := range rows {
		names = append(names, r.name)
	}
	return names
}

// isRow reports whether name is a row or a group of rows.
func isRow(name string) bool {
	for _, r := range rows {
		if r.name == name || strings.HasPrefix(r.name, name+"/") {
			return true
		}
	}
	return false
}

// load loads the named image.
func load(t *testing.T, name string) (*image.Image, string) {
	t.Helper()
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return img, p
}

// runImage runs the named image under the backend with opts (a minute's
// timeout if none), and returns its result and output.
func (s *suite) runImage(t *testing.T, name string, params map[string]int64, opts backend.Options) (*backend.Result, string) {
	t.Helper()
	opts.Params = params
	return RunImage(t, s.name, name, opts)
}

// RunImage runs the workload image named img (built from workloads/ if
// $PLIB_IMAGES lacks it) under the backend registered as name, with opts
// (a minute's timeout if opts has none) and its prints captured, and
// returns the result and the prints. A run that fails (as opposed to a
// violation, which is a result) fails the test. It is the helper a
// backend's own tests use for what the suite does not cover.
func RunImage(t testing.TB, name, img string, opts backend.Options) (*backend.Result, string) {
	t.Helper()
	b, ok := backend.Lookup(name)
	if !ok {
		t.Fatalf("no backend %q is registered (is its package imported?)", name)
	}
	p := testimages.Path(t, img)
	im, err := image.Load(p)
	if err != nil {
		t.Fatalf("load %s: %v", img, err)
	}
	var out bytes.Buffer
	if opts.Output == nil {
		opts.Output = &out
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	res, err := backend.Run(context.Background(), b, im, p, opts)
	if err != nil {
		t.Fatalf("%s under %s: %v\n%s", img, name, err, out.String())
	}
	return res, out.String()
}

// wantExit fails unless res is a plain exit with code (no violation).
func wantExit(t *testing.T, what string, res *backend.Result, code int64, out string) {
	t.Helper()
	if res.Violation != nil || !res.Exited || res.ExitCode != code {
		t.Fatalf("%s: want exit %d, got exited %v code %d violation %+v\n%s", what, code, res.Exited, res.ExitCode, res.Violation, out)
	}
}

// metric is res's named metric, failing if it was not reported.
func metric(t *testing.T, res *backend.Result, name string) int64 {
	t.Helper()
	v, ok := res.Metric(name)
	if !ok {
		t.Fatalf("no %s metric reported (metrics %v)", name, res.Metrics)
	}
	return v
}

// null: every call through the gate returns its right answer (the
// workload checks add(40, 2) = 42) and all are counted.
func (s *suite) null(t *testing.T) {
	res, out := s.runImage(t, "null", map[string]int64{"iterations": 300, "rounds": 2}, backend.Options{})
	wantExit(t, "null", res, 0, out)
	if calls := metric(t, res, "calls"); calls < 600 {
		t.Errorf("null reported %d calls, want at least the 600 it made", calls)
	}
}

// kv: every result verified by the driver, every operation timed, the
// library consistent afterwards.
func (s *suite) kv(t *testing.T) {
	res, out := s.runImage(t, "kv", map[string]int64{"iterations": 20, "rounds": 2}, backend.Options{})
	wantExit(t, "kv", res, 0, out)
	for _, m := range []string{"get_128_cycles", "set_5k_cycles", "incr_cycles", "mixed_cycles"} {
		if v := metric(t, res, m); v <= 0 {
			t.Errorf("%s = %d", m, v)
		}
	}
	if c := metric(t, res, "consistent"); c != 1 {
		t.Error("kv's consistency check failed")
	}
}

// kvHostile: every malformed call kv-hostile makes (at least 20) is
// rejected, and kv answers it with an error, not a crash.
func (s *suite) kvHostile(t *testing.T) {
	res, out := s.runImage(t, "kv-hostile", nil, backend.Options{})
	wantExit(t, "kv-hostile", res, 0, out)
	tried, rejected := metric(t, res, "hostile_calls"), metric(t, res, "rejected")
	if tried < 20 || rejected != tried {
		t.Errorf("kv-hostile: %d of %d malformed calls rejected\n%s", rejected, tried, out)
	}
}

// ipc: a library calling a library; every answer checked by the app.
func (s *suite) ipc(t *testing.T) {
	res, out := s.runImage(t, "ipc", map[string]int64{"iterations": 100, "rounds": 2}, backend.Options{})
	wantExit(t, "ipc", res, 0, out)
	if w := metric(t, res, "wrong_answers"); w != 0 {
		t.Errorf("ipc: %d wrong answers", w)
	}
}

// libPrint: a library's platform call with its own memory is the
// library's: the vault's public record is printed, once.
func (s *suite) libPrint(t *testing.T) {
	res, out := s.runImage(t, "lib-print", nil, backend.Options{})
	wantExit(t, "lib-print", res, 0, out)
	const record = "vault-public:the record every caller may read..................."
	if strings.Count(out, record+"\n") != 1 {
		t.Errorf("lib-print printed %q, want the vault's public record %q once", out, record)
	}
}

// gateState: every gate gives a library clear flags and an aligned
// stack, and the caller flags of its own (exit 0); a ceiling has no gate
// to establish them, so the workload's checks fail there (exit 1), which
// shows they can fail.
func (s *suite) gateState(t *testing.T) {
	res, out := s.runImage(t, "gate-state", nil, backend.Options{})
	want := int64(0)
	if s.promise == backend.Ceiling {
		want = 1
	}
	wantExit(t, "gate-state", res, want, out)
}

// signalCall: one long library call the host may interrupt with signals
// returns the same digest as a short one.
func (s *suite) signalCall(t *testing.T) {
	res, out := s.runImage(t, "signal-call", map[string]int64{"iterations": 5000000}, backend.Options{})
	wantExit(t, "signal-call", res, 0, out)
	if ok := metric(t, res, "digest_ok"); ok != 1 {
		t.Errorf("signal-call: the long call's digest differs from the short one's")
	}
}

// xstate: no library's extended register state reaches the application
// nor the application's control state the library (under a ceiling, the
// library's registers are seen: the check can see them).
func (s *suite) xstate(t *testing.T) {
	xstatecheck.Run(t, s.promise == backend.Isolates, func(t *testing.T, params map[string]int64) (*backend.Result, string) {
		return s.runImage(t, "xstate", params, backend.Options{})
	})
}

// cstats: a library written as ordinary C on the domains' musl (doubles,
// malloc, realloc, qsort, bsearch, strtod, snprintf, sqrt), called by an
// application that formats with printf, prints exactly the bytes the same
// sources print when built natively against the host's C library
// (scripts/build makes build/images/cstats.native beside the image).
func (s *suite) cstats(t *testing.T) { s.matchesNative(t, "cstats") }

// zlib: zlib 1.2.13, Debian's multi-file source unmodified, built into a
// protected library (and zlib's checksums into the application) with the
// domains' compiler, compresses, uncompresses and checksums inputs of
// every kind at every level, and its error codes, exactly as the same
// sources built natively against glibc do: the application prints the
// bytes build/images/zlib.native prints.
func (s *suite) zlib(t *testing.T) { s.matchesNative(t, "zlib") }

// matchesNative runs the named image, which must exit 0, and holds its
// output byte for byte to its native build's (build/images/NAME.native).
func (s *suite) matchesNative(t *testing.T, name string) {
	// RunImage's buffer, not a file: under process the application's
	// process and the library's both write to it (their prints were once
	// lost to each other's copies into it).
	res, out := RunImage(t, s.name, name, backend.Options{})
	if res.Violation != nil || !res.Exited || res.ExitCode != 0 {
		t.Fatalf("%s: want exit 0, got %+v violation %v\n%s", name, res, res.Violation, out)
	}
	native := strings.TrimSuffix(testimages.Path(t, name), ".elf") + ".native"
	want, err := exec.Command(native).Output()
	if err != nil {
		t.Fatalf("the native build (scripts/build makes it): %s: %v", native, err)
	}
	if out != string(want) {
		got, exp := strings.Split(out, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(got), len(exp)) {
			if got[i] != exp[i] {
				t.Fatalf("%s line %d: protected %q, native %q", name, i+1, got[i], exp[i])
			}
		}
		t.Fatalf("%s: protected output has %d lines, native %d", name, len(got), len(exp))
	}
}

// secret: a secret provisioned at run time (Options.Secrets, as vmm run
// --secret gives it) reaches its library, which reads it with
// plib_secret (the digest it returns is the secret's), and no other
// domain: the application's own block holds none, and its read of the
// library's secret area is stopped by every isolating backend (under a
// ceiling it reads the secret: the check can see it).
func (s *suite) secret(t *testing.T) {
	key := make([]byte, 40)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	h := uint64(0xcbf29ce484222325)
	for _, c := range key {
		h = (h ^ uint64(c)) * 0x100000001b3
	}
	opts := backend.Options{Secrets: backend.Secrets{"secret": key}}
	res, out := s.runImage(t, "secret", nil, opts)
	wantExit(t, "secret", res, 0, out)
	if d := metric(t, res, "digest"); uint64(d) != h {
		t.Errorf("the library's secret has digest %#x, want %#x (the one provisioned)", uint64(d), h)
	}
	if n := metric(t, res, "length"); n != int64(len(key)) {
		t.Errorf("the library's secret is %d bytes, want %d", n, len(key))
	}
	if n := metric(t, res, "app_secret_length"); n != 0 {
		t.Errorf("the application's own TLS block holds a secret of %d bytes", n)
	}
	res, out = s.runImage(t, "secret", map[string]int64{"part": 1}, opts)
	if s.promise != backend.Isolates {
		if n, _ := res.Metric("read_length"); n != int64(len(key)) {
			t.Errorf("under no isolation the application read a secret length of %d, want %d: the check cannot see it", n, len(key))
		}
		return
	}
	if v := res.Violation; v == nil || v.Domain != "app" {
		t.Errorf("the application's read of the library's secret area: want a violation by the app, got %+v violation %v\n%s", res, v, out)
	}
	if _, read := res.Metric("read_length"); read {
		t.Errorf("the application read the library's secret area\n%s", out)
	}
}

// load: apps application instances hammer one kv: the shared counter is
// exact, every instance finishes, kv stays consistent.
func (s *suite) load(t *testing.T, name string, apps int) {
	res, out := s.runImage(t, name, map[string]int64{"ops": 300}, backend.Options{CallBudget: 10 * time.Second, Timeout: 5 * time.Minute})
	wlcheck.Counters(t, name, "total", -1, apps, res, out)
}

// appCrash: one instance faults in its own code at seeded random points
// of its kv calls while the other calls the same kv, which stays whole.
func (s *suite) appCrash(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		res, out := s.runImage(t, "app-crash", map[string]int64{"seed": seed, "calls": 1500}, backend.Options{CallBudget: 10 * time.Second})
		wlcheck.AppCrash(t, fmt.Sprintf("seed %d", seed), 1500, res, out)
	}
}

// tls: the library runs on its own TLS block with its own canary every
// time it is called (and keeps what it wrote there from call to call),
// whatever the application did to its FS first (parts 1 and 2 load a
// selector into it); afterwards the application has its own block back,
// or the base it chose itself where each domain keeps its own FS across a
// switch (process, handoff, vmfunc), never the library's. Part 3 reads
// the library's block: every isolating backend stops it with a
// violation. Part 4 has the library overrun a stack buffer: its
// -fstack-protector-strong canary (%fs:0x28, its own block's) catches it
// and rt's __stack_chk_fail stops it as a library crash. (WRFSBASE in an image and arch_prctl are refused before
// they run: image.TestScanSeesAcrossSections and the attacks
// attack-syscalls and attack-tp-jump.)
func (s *suite) tls(t *testing.T) {
	for part := int64(0); part <= 4; part++ {
		res, out := s.runImage(t, "tls", map[string]int64{"part": part}, backend.Options{CallBudget: 10 * time.Second})
		if part == 4 { // the library smashes its stack: its stack protector stops it, as a library crash
			caught := res.Violation != nil && res.Violation.Domain == "tls" || res.Exited && res.ExitCode == 0 && strings.Contains(out, "tls: the library was stopped")
			if !caught || !strings.Contains(out, "stack smashing detected") {
				t.Errorf("part 4: exit %d, violation %+v; want the library's stack protector to stop it\n%s", ExitCode(res), res.Violation, out)
			}
			continue
		}
		lib, _ := res.Metric("lib_tls")
		own, _ := res.Metric("app_tls")
		after, _ := res.Metric("app_fs_after")
		if lib == 0 || lib == own || after == lib {
			t.Errorf("part %d: library TLS %#x, application's %#x, application's FS after the calls %#x\n%s", part, lib, own, after, out)
		}
		if part == 3 {
			if s.promise == backend.Isolates && (res.Violation == nil || res.Exited) {
				t.Errorf("part 3: the application read the library's TLS block (exit %d, violation %v)\n%s", ExitCode(res), res.Violation, out)
			}
			continue
		}
		if res.Violation != nil || !res.Exited || res.ExitCode != 0 {
			t.Errorf("part %d: exit %d, violation %v; want 0\n%s", part, ExitCode(res), res.Violation, out)
		}
	}
}

// sharing: two instances share one kv: each increments the shared
// counter 300 times, and each reads back exactly 600.
func (s *suite) sharing(t *testing.T) {
	const increments = 300
	res, out := s.runImage(t, "sharing", map[string]int64{"increments": increments}, backend.Options{CallBudget: 10 * time.Second})
	wlcheck.Counters(t, "sharing", "counter", 2*increments, 2, res, out)
}

// budget: a library call that never returns is killed at its budget:
// exit 5, a call-budget violation naming the library and its entry, well
// before the wall-clock timeout.
func (s *suite) budget(t *testing.T) {
	start := time.Now()
	res, out := s.runImage(t, "attack-hang", nil, backend.Options{CallBudget: 300 * time.Millisecond, Timeout: 20 * time.Second})
	v := res.Violation
	if ExitCode(res) != ExitTimeout || res.TimedOut || v == nil || v.Kind != backend.ViolationBudget || v.Domain != "null" ||
		!strings.Contains(v.Detail, "null.spin") {
		t.Fatalf("attack-hang under a 300 ms budget: exit %d, timed out %v, violation %+v; want exit %d, a call-budget violation by null (null.spin)\n%s",
			ExitCode(res), res.TimedOut, v, ExitTimeout, out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the budget took %v to stop the call", d)
	}
}

// killMidCall: instance 1 is stopped past its budget inside kv, holding
// its lock, at each step of a set; instance 0 finds the holder dead, kv
// recovers, and everything of instance 0's reads back.
func (s *suite) killMidCall(t *testing.T) {
	for step := int64(0); step <= 4; step++ {
		res, out := s.runImage(t, "kill-mid-call", map[string]int64{"step": step}, backend.Options{CallBudget: 300 * time.Millisecond})
		wlcheck.KillMidCall(t, s.name, step, res, out)
	}
}

// cancel: a run whose context is cancelled while a library call runs
// (one that never returns, and no budget) ends within bounded time with
// an error saying so, and leaves no descriptor, child process or thread
// of its behind.
func (s *suite) cancel(t *testing.T) {
	img, p := load(t, "attack-hang")
	before := census(t)
	ctx, stop := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, stop)
	start := time.Now()
	res, err := backend.Run(ctx, s.b, img, p, backend.Options{Timeout: time.Minute})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the cancelled run took %v to end", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a run cancelled mid-call: error %v, result %+v; want an error wrapping context.Canceled", err, res)
	}
	var after counts
	deadline := time.Now().Add(5 * time.Second) // children are reaped and threads end just after the run returns
	for {
		if after = census(t); after.fds <= before.fds && after.children <= before.children && after.threads <= before.threads ||
			time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after.fds > before.fds || after.children > before.children || after.threads > before.threads+2 {
		t.Errorf("after a cancelled run: %+v, before it %+v (descriptors, child processes, threads)", after, before)
	}
}

// fault: a library that faults in the middle of a call gets one verdict,
// a violation naming the library: exit 3.
func (s *suite) fault(t *testing.T) {
	res, out := s.runImage(t, "lib-crash", nil, backend.Options{Timeout: 20 * time.Second})
	if v := res.Violation; ExitCode(res) != ExitViolation || v == nil || v.Domain != "null" {
		t.Fatalf("lib-crash: exit %d, violation %+v; want exit %d and a violation by null\n%s", ExitCode(res), v, ExitViolation, out)
	}
}

// timeout: a workload that never returns is stopped at the wall-clock
// timeout (exit 5), within bounded time.
func (s *suite) timeout(t *testing.T) {
	start := time.Now()
	res, out := s.runImage(t, "attack-loop", nil, backend.Options{Timeout: 500 * time.Millisecond})
	if v := res.Violation; ExitCode(res) != ExitTimeout || !res.TimedOut || v == nil || v.Kind != backend.ViolationTimeout {
		t.Fatalf("attack-loop under a 500 ms timeout: exit %d, timed out %v, violation %+v; want exit %d, a timeout\n%s",
			ExitCode(res), res.TimedOut, v, ExitTimeout, out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the timeout took %v to stop the run", d)
	}
}

// ceilingLoses are the attacks that must get through under a ceiling
// (no isolation): what shows each is a real attack.
var ceilingLoses = map[string]bool{
	"attack-read": true, "attack-write": true, "attack-exec": true, "attack-deputy": true, "attack-direction": true, "attack-hide": true,
}

// attack runs a as vmm attacks runs it: a backend that isolates must
// stop it (exit 3 or 5), refuse it at load, or be one it needs nothing
// of; under a ceiling the memory attacks get through, and no run fails.
func (s *suite) attack(t *testing.T, a attacks.Attack) {
	dir := filepath.Dir(testimages.Path(t, a.Image))
	o := attacks.Run(context.Background(), s.b, a, dir)
	m := s.b.Probe()
	switch {
	case o.Verdict == attacks.Failed:
		t.Fatalf("%s under %s: the run failed: %s", a.Image, s.name, o.Text)
	case s.promise == backend.Isolates && o.Verdict == attacks.NotStopped:
		t.Fatalf("%s under %s, which isolates: NOT STOPPED: %s", a.Image, s.name, o.Text)
	case s.promise == backend.Ceiling && ceilingLoses[a.Image] && o.Verdict != attacks.NotStopped:
		t.Fatalf("%s under %s, a ceiling: %s; want it through (no isolation), which shows the attack is real", a.Image, s.name, o.Text)
	case !o.OK(m) && s.promise == backend.Isolates:
		t.Fatalf("%s under %s: %s", a.Image, s.name, o.Text)
	}
	t.Logf("%s: %s", a.Image, o.Text)
}

// counts are what a run may leave behind in this process.
type counts struct{ fds, children, threads int }

// census counts this process's open descriptors, child processes and
// threads.
func census(t *testing.T) counts {
	t.Helper()
	var c counts
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	c.fds = len(fds)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	c.threads = len(tasks)
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc/self/task", task.Name(), "children"))
		if err != nil {
			continue // the thread ended
		}
		c.children += len(strings.Fields(string(b)))
	}
	return c
}
