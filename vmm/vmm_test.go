package vmm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/guestbin"
	"plib/internal/testimages"
	"plib/vmm/kvm"
)

// needKVM skips, loudly, where there is no usable /dev/kvm.
func needKVM(t testing.TB) *kvm.System {
	t.Helper()
	sys, err := CheckKVM()
	if err != nil {
		t.Skipf("SKIPPING real-KVM test: %v", err)
	}
	t.Cleanup(func() { sys.Close() })
	return sys
}

// run loads the named image in a fresh machine and runs it.
func run(t testing.TB, name string, params map[string]int64, timeout time.Duration) (*backend.Result, *Machine) {
	t.Helper()
	sys := needKVM(t)
	img, err := image.Load(testimages.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	res := &backend.Result{}
	var out bytes.Buffer
	plat := &backend.Platform{Result: res, Params: params, Output: &out, Image: img}
	m, err := New(sys, Config{Image: img, Gate: guestbin.GateVMFUNC, Supervisor: guestbin.Supervisor, Platform: plat})
	if err != nil {
		t.Fatal(err)
	}
	plat.Scribble = m.Scribble
	t.Cleanup(func() { m.Close() })
	if err := m.Run(context.Background(), timeout); err != nil {
		t.Fatalf("run %s: %v (output %q)", name, err, out.String())
	}
	return res, m
}

func TestNullSwitchesTwicePerCall(t *testing.T) {
	res, _ := run(t, "null", map[string]int64{"iterations": 300, "rounds": 3}, time.Minute)
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("null did not exit cleanly: %+v %+v", res, res.Violation)
	}
	calls, ok := res.Metric("calls")
	if !ok || calls < 900 {
		t.Fatalf("calls metric %d, %v", calls, ok)
	}
	if res.ViewSwitches != uint64(2*calls) {
		t.Errorf("%d view switches for %d library calls; want exactly 2 per call", res.ViewSwitches, calls)
	}
	caught := res.Exits["ud_vmfunc"] + res.Exits["internal_error"]
	if caught != res.ViewSwitches {
		t.Errorf("exits by reason %v do not account for %d switches", res.Exits, res.ViewSwitches)
	}
}

// libraryUnchanged checks that the library's data still holds what the
// image shipped (the attack's write never reached memory).
func libraryUnchanged(t *testing.T, m *Machine) {
	t.Helper()
	got, err := m.ReadLibraryMemory(1)
	if err != nil {
		t.Fatal(err)
	}
	// The loader wrote the TLS block's head (self pointer, canary); the
	// rest is the image's.
	d := m.img.Domains[1]
	want := d.Data.Data
	if self := binary.LittleEndian.Uint64(got[abi.TLSSelf:]); self != d.TLS() {
		t.Errorf("library TLS self pointer %#x, want %#x", self, d.TLS())
	}
	h := backend.TLSHeadBytes
	if !bytes.Equal(got[h:len(want)], want[h:]) {
		t.Errorf("library memory changed: bytes % x, want % x", got[h:h+16], want[h:h+16])
	}
}

func TestAttacksAreStopped(t *testing.T) {
	img, err := image.Load(testimages.Path(t, "null"))
	if err != nil {
		t.Fatal(err)
	}
	lib := img.Domains[1]
	cases := []struct {
		image    string
		kind     backend.ViolationKind
		domain   string
		address  uint64
		caughtBy string
	}{
		{"attack-read", "read", "app", lib.Data.Addr + abi.TLSBytes, "EPT view 0"},
		{"attack-write", "write", "app", lib.Data.Addr + abi.TLSBytes, "EPT view 0"},
		{"attack-exec", "execute", "app", lib.Text.Addr, "EPT view 0"},
		{"attack-gate-entry", "gate", "app", 0, "gate check"},
		{"attack-gate-index", "vmfunc-index", "app", 5, "VMFUNC emulation"},
		{"attack-gate-skip", "gate", "null", 0, "gate check"},
		{"attack-deputy", "platform-call", "app", lib.Data.Addr + abi.TLSBytes, "platform-call validation"},
		{"attack-unmap", "read", "app", 0x401000, "#PF"}, // no host program in the guest to find a gadget in
	}
	for _, c := range cases {
		t.Run(c.image, func(t *testing.T) {
			res, m := run(t, c.image, nil, 30*time.Second)
			v := res.Violation
			if v == nil {
				t.Fatalf("not stopped: exited %v with %d", res.Exited, res.ExitCode)
			}
			if v.Kind != c.kind || v.Domain != c.domain || (c.address != 0 && v.Address != c.address) || !strings.Contains(v.CaughtBy, c.caughtBy) {
				t.Errorf("violation %+v; want kind %s by %s at %#x caught by %s", v, c.kind, c.domain, c.address, c.caughtBy)
			}
			if res.Exited {
				t.Error("the workload also reports a normal exit")
			}
			libraryUnchanged(t, m)
		})
	}
}

// TestGateStateUnderVMFUNC: the vmfunc gate enters a library with DF, AC
// and TF clear and an aligned stack whatever the caller set, and gives
// the caller back flags that do not depend on the library's; the DF
// attack's backward copy never happens (exit 70, not 66); a trap flag set
// by the app stops the run on the app's side of the gate.
func TestGateStateUnderVMFUNC(t *testing.T) {
	if res, _ := run(t, "gate-state", nil, 30*time.Second); res.Violation != nil || !res.Exited || res.ExitCode != 0 {
		t.Errorf("gate-state: %+v %+v", res, res.Violation)
	}
	if res, _ := run(t, "attack-direction", nil, 30*time.Second); res.Violation != nil || !res.Exited || res.ExitCode != 70 {
		t.Errorf("attack-direction: want exit 70 (DF cleared), got %+v %+v", res, res.Violation)
	}
	if res, _ := run(t, "attack-fpstate", map[string]int64{"calls": 200}, 30*time.Second); res.Violation != nil || !res.Exited || res.ExitCode != 71 {
		t.Errorf("attack-fpstate: want exit 71, got %+v %+v", res, res.Violation)
	}
	res, m := run(t, "attack-trap", nil, 30*time.Second)
	if v := res.Violation; v == nil || v.Kind != "exception" || v.Domain != "app" {
		t.Errorf("attack-trap: want an exception by app, got %+v %+v", res, v)
	}
	libraryUnchanged(t, m)
}

// TestSplitInstructionsAreRefused: a VMFUNC, WRPKRU or SYSCALL split
// across the adjacent code sections of the app and a library is refused
// at load, though neither section holds it alone.
func TestSplitInstructionsAreRefused(t *testing.T) {
	for _, c := range []struct{ image, insn string }{
		{"attack-split-vmfunc", "VMFUNC"}, {"attack-split-wrpkru", "WRPKRU"}, {"attack-split-syscall", "SYSCALL"},
	} {
		_, err := image.Load(testimages.Path(t, c.image))
		if !errors.Is(err, image.ErrBadImage) || !strings.Contains(err.Error(), c.insn) || !strings.Contains(err.Error(), "across their boundary") {
			t.Errorf("%s: %v", c.image, err)
		}
	}
}

func TestKVUnderVMFUNC(t *testing.T) {
	res, _ := run(t, "kv", map[string]int64{"iterations": 20, "rounds": 2}, 2*time.Minute)
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("kv: %+v %+v", res, res.Violation)
	}
	if c, _ := res.Metric("consistent"); c != 1 {
		t.Error("kv's consistency check failed")
	}
	if res.ViewSwitches == 0 || res.ViewSwitches%2 != 0 {
		t.Errorf("%d view switches", res.ViewSwitches)
	}
	res, _ = run(t, "kv-hostile", nil, time.Minute)
	tried, _ := res.Metric("hostile_calls")
	rejected, _ := res.Metric("rejected")
	if !res.Exited || res.ExitCode != 0 || tried < 20 || rejected != tried {
		t.Fatalf("kv-hostile: %d of %d rejected: %+v %+v", rejected, tried, res, res.Violation)
	}
}

// TestIPCUnderVMFUNC: app -> A -> B -> A -> app. Each local call is two
// switches, each nested call four; every answer is checked by the app.
func TestIPCUnderVMFUNC(t *testing.T) {
	res, _ := run(t, "ipc", map[string]int64{"iterations": 100, "rounds": 2}, time.Minute)
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("ipc: %+v %+v", res, res.Violation)
	}
	if w, _ := res.Metric("wrong_answers"); w != 0 {
		t.Errorf("%d wrong answers", w)
	}
	if want := uint64(100 * 2 * (2 + 4)); res.ViewSwitches != want {
		t.Errorf("%d view switches, want %d", res.ViewSwitches, want)
	}
	if res.Exits["ud_vmfunc"] == 0 {
		t.Error("library-to-library switches should take the #UD path (page 1 is mapped in library views)")
	}
}

// TestCallBudgetAbortsAHungCall: a library call that never returns is
// aborted by the watchdog, and the report names the library and entry.
func TestCallBudgetAbortsAHungCall(t *testing.T) {
	sys := needKVM(t)
	img, err := image.Load(testimages.Path(t, "attack-hang"))
	if err != nil {
		t.Fatal(err)
	}
	res := &backend.Result{}
	m, err := New(sys, Config{Image: img, Gate: guestbin.GateVMFUNC, Supervisor: guestbin.Supervisor, Platform: &backend.Platform{Result: res}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.CallBudget = 300 * time.Millisecond
	start := time.Now()
	if err := m.Run(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Kind != "call-budget" || v.Domain != "null" || !strings.Contains(v.Detail, "null.spin") {
		t.Fatalf("hung call: %+v", v)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("aborting took %v", d)
	}
}

func TestForbiddenImageIsRefused(t *testing.T) {
	_, err := image.Load(testimages.Path(t, "attack-forbidden"))
	if err == nil || !strings.Contains(err.Error(), "VMFUNC") {
		t.Fatalf("image with VMFUNC in app code: %v", err)
	}
}

func TestTimeoutStopsALoop(t *testing.T) {
	start := time.Now()
	res, _ := run(t, "attack-loop", nil, 500*time.Millisecond)
	if !res.TimedOut || res.Violation == nil || res.Violation.Kind != "timeout" {
		t.Fatalf("loop not stopped by the timer: %+v", res)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stopping took %v", d)
	}
	img, _ := image.Load(testimages.Path(t, "attack-loop"))
	if app := img.Domains[0].Text; res.Violation.RIP < app.Addr || res.Violation.RIP >= app.End() {
		t.Errorf("rip %#x is not in the app's code", res.Violation.RIP)
	}
}

func TestContextCancelStopsTheRun(t *testing.T) {
	sys := needKVM(t)
	img, err := image.Load(testimages.Path(t, "attack-loop"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(sys, Config{Image: img, Gate: guestbin.GateVMFUNC, Supervisor: guestbin.Supervisor, Platform: &backend.Platform{Result: &backend.Result{}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := m.Run(ctx, 0); err == nil || !strings.Contains(err.Error(), "run stopped") {
		t.Fatalf("cancelled run: %v", err)
	}
}

// TestGateCountsEverySwitch: the gate's own counters (what the hypervisor
// mode reports where VMFUNC runs in hardware, with no exit to count)
// agree with the switches the VMM emulated, for app->library calls and
// for library->library calls and returns.
func TestGateCountsEverySwitch(t *testing.T) {
	for _, name := range []string{"null", "ipc"} {
		res, _ := run(t, name, map[string]int64{"iterations": 50, "rounds": 2}, time.Minute)
		if res.ExitCode != 0 || res.ViewSwitches == 0 || res.GateSwitches != res.ViewSwitches {
			t.Errorf("%s: the VMM switched %d times, the gate counted %d (exit %d)", name, res.ViewSwitches, res.GateSwitches, res.ExitCode)
		}
	}
}

// TestTOCTOUUnderVMFUNC: kv's buffers rewritten by another thread during
// its calls (plib_scribble) change nothing kv checked: it stays whole.
func TestTOCTOUUnderVMFUNC(t *testing.T) {
	res, _ := run(t, "attack-toctou", nil, time.Minute)
	changes, _ := res.Metric("rewritten_during_calls")
	if !res.Exited || res.ExitCode != 69 || changes == 0 {
		t.Errorf("exit %v %d, %d rewrites seen during calls, violation %+v", res.Exited, res.ExitCode, changes, res.Violation)
	}
}
