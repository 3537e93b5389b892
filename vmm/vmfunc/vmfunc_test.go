package vmfunc

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"plib/backend"
	"plib/image"
	"plib/internal/testimages"
	"plib/internal/wlcheck"
	"plib/vmm"
)

// needKVM skips, loudly, where there is no usable /dev/kvm.
func needKVM(t testing.TB) {
	t.Helper()
	sys, err := vmm.CheckKVM()
	if err != nil {
		t.Skipf("SKIPPING real-KVM test: %v", err)
	}
	sys.Close()
}

func TestBackendRun(t *testing.T) {
	needKVM(t)
	b := Backend{}
	if m := b.Probe(); m.Mode != backend.Emulated || m.EmulatedBy != "vmm" {
		t.Fatalf("probe: %+v", m)
	}
	p := testimages.Path(t, "null")
	img, _ := image.Load(p)
	res, err := backend.Run(context.Background(), b, img, p, backend.Options{Params: map[string]int64{"iterations": 50, "rounds": 1}, Timeout: time.Minute, Output: os.Stderr})
	if err != nil || !res.Exited || res.ExitCode != 0 || res.Mechanism.Backend != "vmfunc" || res.TSCHz <= 0 {
		t.Fatalf("run: %v %+v", err, res)
	}
}

// runInstances runs a PLIB_APPS image under vmfunc (emulated switches).
func runInstances(t *testing.T, name string, params map[string]int64, budget time.Duration) (*backend.Result, string) {
	t.Helper()
	needKVM(t)
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := backend.Run(context.Background(), Backend{VMFUNC: Emulate}, img, p,
		backend.Options{Params: params, Timeout: 5 * time.Minute, CallBudget: budget, Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	return res, out.String()
}

// TestSharingUnderVMFUNC: two application instances, each on its own
// vCPU with its own views, share one kv library's data and heap.
func TestSharingUnderVMFUNC(t *testing.T) {
	res, out := runInstances(t, "sharing", map[string]int64{"increments": 300}, 10*time.Second)
	wlcheck.Counters(t, "sharing", "counter", 600, 2, res, out)
	if res.GateSwitches != res.ViewSwitches || res.ViewSwitches == 0 {
		t.Errorf("switches %d, gate %d", res.ViewSwitches, res.GateSwitches)
	}
}

// TestVerdictOracleUnderVMFUNC: the VMM plants the canary in every
// library's slot and finds it nowhere after a clean run; attack-hide's
// read of it faults in the app's view, so nothing leaks either.
func TestVerdictOracleUnderVMFUNC(t *testing.T) {
	needKVM(t)
	canary := []byte("plib-oracle-4567")
	for name, wantViolation := range map[string]bool{"kv": false, "attack-hide": true} {
		p := testimages.Path(t, name)
		img, err := image.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := backend.Run(context.Background(), Backend{}, img, p, backend.Options{Timeout: time.Minute, Canary: canary,
			Params: map[string]int64{"iterations": 20, "rounds": 1}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Leaked != "" || (res.Violation != nil) != wantViolation {
			t.Errorf("%s: leaked %q, violation %v", name, res.Leaked, res.Violation)
		}
	}
}
