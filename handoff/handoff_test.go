package handoff

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"plib/attacks"
	"plib/backend"
	"plib/image"
	"plib/internal/testimages"
	"plib/internal/wlcheck"
	"plib/vmm"
)

func needKVM(t *testing.T) {
	t.Helper()
	sys, err := vmm.CheckKVM()
	if err != nil {
		t.Skipf("SKIPPING real-KVM test of the handoff backend: %v", err)
	}
	sys.Close()
}

// runImage runs the named image under handoff, every instance.
func runImage(t *testing.T, name string, params map[string]int64, opts backend.Options) *backend.Result {
	t.Helper()
	needKVM(t)
	path := testimages.Path(t, name)
	img, err := image.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	opts.Params = params
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	res, err := backend.Run(context.Background(), Backend{}, img, path, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// runOut is runImage with the workload's prints kept for a failure's report.
func runOut(t *testing.T, name string, params map[string]int64, opts backend.Options) (*backend.Result, string) {
	t.Helper()
	var out bytes.Buffer
	opts.Output = &out
	return runImage(t, name, params, opts), out.String()
}

func wantExit0(t *testing.T, name string, res *backend.Result) {
	t.Helper()
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("%s: exited %v code %d violation %+v notes %q", name, res.Exited, res.ExitCode, res.Violation, res.Notes)
	}
}

// TestNullUnderHandoff: null's calls are answered by the library's own
// vCPU, and the result says how they were handed over.
func TestNullUnderHandoff(t *testing.T) {
	res := runImage(t, "null", map[string]int64{"iterations": 2000, "rounds": 3}, backend.Options{})
	wantExit0(t, "null", res)
	if n, _ := res.Metric("calls"); n == 0 {
		t.Error("no calls counted")
	}
	if !strings.Contains(res.Mechanism.Detail, "on hardware: EPT views") || !strings.Contains(res.Mechanism.Detail, "cross-vCPU hand-off (no VMFUNC, no exit on the fast path)") || !strings.Contains(res.Mechanism.Detail, "spin bound") {
		t.Errorf("mechanism detail %q names no placement", res.Mechanism.Detail)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "fast path") {
		t.Errorf("no fast/slow path note: %q", res.Notes)
	}
	if n, _ := res.Metric("calls"); res.Paths == nil || res.Paths.Fast+res.Paths.Slow < uint64(n) {
		t.Errorf("path counts %+v for %d calls", res.Paths, n)
	}
	if b := res.Mechanism.Spin; b != nil && (b.Cycles == 0 || b.WakeNS <= 0 || b.Samples == 0) {
		t.Errorf("the mechanism's spin bound: %+v", b)
	}
	if res.ViewSwitches != 0 {
		t.Errorf("%d view switches under handoff, which never switches views", res.ViewSwitches)
	}
	t.Logf("null: %s; %q", res.Mechanism.Detail, res.Notes)
}

// TestKVUnderHandoff: kv's operations and its consistency check.
func TestKVUnderHandoff(t *testing.T) {
	res := runImage(t, "kv", map[string]int64{"iterations": 50, "rounds": 2}, backend.Options{})
	wantExit0(t, "kv", res)
	if c, _ := res.Metric("consistent"); c != 1 {
		t.Errorf("kv inconsistent: %v", c)
	}
}

// TestIPCUnderHandoff: library A's vCPU hands calls to library B's.
func TestIPCUnderHandoff(t *testing.T) {
	res := runImage(t, "ipc", map[string]int64{"iterations": 50, "rounds": 2}, backend.Options{})
	wantExit0(t, "ipc", res)
	if w, _ := res.Metric("wrong_answers"); w != 0 {
		t.Errorf("%d wrong answers", w)
	}
	if n := len(usableCPUs()); n == 2 { // 3 vCPUs on 2 cores: app and relay pinned, echo parks
		if d := res.Mechanism.Detail; !strings.Contains(d, "relay to core") || !strings.Contains(d, "[echo] not pinned") {
			t.Errorf("ipc on 2 cores: placement %q", d)
		}
	}
	sleep := runImage(t, "ipc", map[string]int64{"iterations": 50, "rounds": 2}, backend.Options{Wait: backend.WaitSleep})
	wantExit0(t, "ipc --wait=sleep", sleep)
}

// TestLibraryPlatformCalls: a library prints from its own vCPU.
func TestLibraryPlatformCalls(t *testing.T) {
	res := runImage(t, "lib-print", nil, backend.Options{})
	wantExit0(t, "lib-print", res)
}

// TestSharingUnderHandoff: two application instances, each with its own
// request slots and library vCPUs, share one kv.
func TestSharingUnderHandoff(t *testing.T) {
	res := runImage(t, "sharing", map[string]int64{"increments": 200}, backend.Options{})
	wantExit0(t, "sharing", res)
}

// TestCallBudgetUnderHandoff: a library call that never returns is
// stopped by the VMM, which reads the open call from the library's
// trusted slot, and the report names the library.
func TestCallBudgetUnderHandoff(t *testing.T) {
	res := runImage(t, "attack-hang", nil, backend.Options{CallBudget: 300 * time.Millisecond, Timeout: 20 * time.Second})
	if res.Violation == nil || res.Violation.Kind != backend.ViolationBudget {
		t.Fatalf("attack-hang: violation %+v, want a call-budget violation", res.Violation)
	}
	if res.TimedOut {
		t.Error("stopped by the timeout, not the budget")
	}
}

// TestAttacksUnderHandoff: the slot attacks and a few classic ones, judged
// as vmm attacks judges them.
func TestAttacksUnderHandoff(t *testing.T) {
	needKVM(t)
	for _, a := range attacks.Catalogue {
		switch a.Image {
		case "attack-read", "attack-exec", "attack-gate-entry", "attack-slot-rewrite", "attack-slot-forge":
		default:
			continue
		}
		t.Run(a.Image, func(t *testing.T) {
			dir := strings.TrimSuffix(testimages.Path(t, a.Image), "/"+a.Image+".elf")
			o := attacks.Run(context.Background(), Backend{}, a, dir)
			if o.Verdict != attacks.Stopped {
				t.Fatalf("%s under handoff: %v %q", a.Image, o.Verdict, o.Text)
			}
			t.Logf("%s: %s", a.Image, o.Text)
		})
	}
}

// TestAppCrashUnderHandoff: one instance's app vCPU faults at seeded
// random points while the other keeps calling kv through its own slots
// and library vCPU; kv stays whole.
func TestAppCrashUnderHandoff(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		res, out := runOut(t, "app-crash", map[string]int64{"seed": seed, "calls": 1500}, backend.Options{CallBudget: 10 * time.Second})
		wlcheck.AppCrash(t, fmt.Sprintf("seed %d", seed), 1500, res, out)
	}
}

// TestKillMidCallUnderHandoff: instance 1 dies inside kv (on its library
// vCPU, holding kv's lock) at each step of a set; the VMM stops it past
// its call budget, reading the open call from kv's trusted slot; instance
// 0 finds the holder dead and kv recovers.
func TestKillMidCallUnderHandoff(t *testing.T) {
	for step := int64(0); step <= 4; step++ {
		res, out := runOut(t, "kill-mid-call", map[string]int64{"step": step}, backend.Options{CallBudget: 300 * time.Millisecond})
		wlcheck.KillMidCall(t, "handoff", step, res, out)
	}
}

// TestKVLoadUnderHandoff: 2 and 8 instances (8: four times the cores
// here, every wait parks) hammer one kv, each through its own library
// vCPU: the shared counter is exact and every instance finishes.
func TestKVLoadUnderHandoff(t *testing.T) {
	for name, apps := range map[string]int{"kv-load": 2, "kv-load-8": 8} {
		res, out := runOut(t, name, map[string]int64{"ops": 300}, backend.Options{CallBudget: 10 * time.Second, Timeout: 5 * time.Minute})
		wlcheck.Counters(t, name, "total", -1, apps, res, out)
	}
}

// TestTimeoutUnderHandoff: a workload that runs past --timeout is stopped
// as a timeout, with every vCPU (the app's spinning or parked on a call,
// the library's in its loop) kicked, within bounded time.
func TestTimeoutUnderHandoff(t *testing.T) {
	start := time.Now()
	res := runImage(t, "attack-hang", nil, backend.Options{Timeout: 500 * time.Millisecond})
	if !res.TimedOut || res.Violation == nil || res.Violation.Kind != backend.ViolationTimeout {
		t.Fatalf("attack-hang without a budget: timed out %v, violation %+v", res.TimedOut, res.Violation)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the timeout took %v to stop the run", d)
	}
}

// TestCycleRefusedAtOnce: a library called back while it waits on a call
// of its own (a -> b -> a, and a -> b -> c -> a) is refused by its own
// wait loop as a re-entry, as the vmfunc gate refuses it, well before any
// call budget; the chain without a cycle answers.
func TestCycleRefusedAtOnce(t *testing.T) {
	needKVM(t)
	path := filepath.Join(t.TempDir(), "cycle.elf")
	if out, err := exec.Command(filepath.Join(testimages.Root(t), "guestlib", "mkimage"), "testdata/cycle", path).CombinedOutput(); err != nil {
		t.Fatalf("build the cycle image: %v\n%s", err, out)
	}
	img, err := image.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, depth := range []int64{0, 2, 3} {
		for _, wait := range []backend.WaitPolicy{backend.WaitAuto, backend.WaitSleep} {
			start := time.Now()
			res, err := backend.Run(context.Background(), Backend{}, img, path, backend.Options{Params: map[string]int64{"depth": depth},
				Wait: wait, Timeout: 30 * time.Second, CallBudget: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			if depth == 0 {
				wantExit0(t, "cycle depth 0", res)
				continue
			}
			if v := res.Violation; v == nil || v.Kind != backend.ViolationGate || v.Domain != "a" || !strings.Contains(v.Detail, "called again") {
				t.Errorf("depth %d, wait %v: violation %+v, want a re-entry refused in a", depth, wait, res.Violation)
			}
			if took > 5*time.Second {
				t.Errorf("depth %d, wait %v: refused after %v", depth, wait, took)
			}
		}
	}
}

// TestPinnedThreadsAreReleased: a run pins its vCPU threads to cores of
// their own; when it ends, every thread of this process may run on every
// core it could before, or the next run in the same process (vmm compare
// runs many) would share one core with the threads that kept the pin.
func TestPinnedThreadsAreReleased(t *testing.T) {
	before := threadAffinities(t)
	res := runImage(t, "null", map[string]int64{"iterations": 200, "rounds": 1}, backend.Options{})
	wantExit0(t, "null", res)
	if !strings.Contains(res.Mechanism.Detail, "pinned") {
		t.Skipf("SKIPPING: this run pinned nothing (%s)", res.Mechanism.Detail)
	}
	want := before["0"]
	for tid, cpus := range threadAffinities(t) {
		if cpus != want {
			t.Errorf("thread %s kept Cpus_allowed_list %s after the run (the process has %s)", tid, cpus, want)
		}
	}
}

// threadAffinities reads every thread's Cpus_allowed_list, and at key 0
// the first one's (the process's own, as the test started).
func threadAffinities(t *testing.T) map[string]string {
	t.Helper()
	dirs, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, d := range dirs {
		b, err := os.ReadFile("/proc/self/task/" + d.Name() + "/status")
		if err != nil {
			continue // the thread ended
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
				out[d.Name()] = strings.TrimSpace(v)
				if i == 0 {
					out["0"] = strings.TrimSpace(v)
				}
			}
		}
	}
	return out
}
