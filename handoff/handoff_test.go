package handoff

import (
	"context"
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

// TestAttacksUnderHandoff: the slot attacks, judged as vmm attacks judges
// them, must be stopped: the conformance suite's attack rows would also
// pass them as not applicable (a backend without request slots), which
// under handoff, whose slots they attack, would mean they missed them.
func TestAttacksUnderHandoff(t *testing.T) {
	needKVM(t)
	for _, a := range attacks.Catalogue {
		switch a.Image {
		case "attack-slot-rewrite", "attack-slot-forge":
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
