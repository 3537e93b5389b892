package vmm

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/internal/image"
	"plib/internal/testimages"
)

// TestNestedBootsTheHypervisorMode boots guestlib's hypervisor mode in a
// KVM guest, as --vmfunc=nested does. Where KVM gives the guest VMX with
// VMFUNC, null must complete with the gate counting 2 switches per call;
// elsewhere (this machine) the hypervisor itself must get through
// multiboot entry and long mode and report, in its own words, what the
// CPU lacks: an unavailable error, never a silent fallback.
func TestNestedBootsTheHypervisorMode(t *testing.T) {
	if _, err := os.Stat("/dev/kvm"); err != nil {
		t.Skipf("SKIPPING: no /dev/kvm: %v", err)
	}
	p := testimages.Path(t, "null")
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := RunNested(context.Background(), img, p, backend.Options{Params: map[string]int64{"iterations": 50, "rounds": 2},
		Timeout: time.Minute, Output: &out}, Backend{VMFUNC: VMFUNCNested}.Probe())
	if ok, why := NestedSupport(); !ok {
		t.Logf("nested is unavailable here (%s); the hypervisor mode said: %v", why, err)
		if !errors.Is(err, backend.ErrUnavailable) || !strings.Contains(err.Error(), "hypervisor mode booted") ||
			!strings.Contains(err.Error(), "VMX") {
			t.Fatalf("want the hypervisor's own unavailable report, got %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	calls, _ := res.Metric("calls")
	if !res.Exited || res.ExitCode != 0 || calls == 0 || res.GateSwitches != uint64(2*calls) {
		t.Fatalf("null under nested: exit %v %d, %d calls, %d switches\n%s", res.Exited, res.ExitCode, calls, res.GateSwitches, out.String())
	}
}

// TestParseHypervisorReport reads a report recorded from Bochs.
func TestParseHypervisorReport(t *testing.T) {
	b, err := os.ReadFile("testdata/hv-null.out")
	if err != nil {
		t.Fatal(err)
	}
	res := &backend.Result{}
	var out bytes.Buffer
	r, err := ParseHypervisorReport(b, res, &out)
	if err != nil {
		t.Fatal(err)
	}
	calls, _ := res.Metric("calls")
	if !res.Exited || res.ExitCode != 0 || calls != 512 || res.GateSwitches != 1024 || r.IOExits != 509 || !strings.Contains(r.VMX, "eptp-switching=1") {
		t.Errorf("parsed %+v %+v", res, r)
	}
	b, _ = os.ReadFile("testdata/hv-attack-read.out")
	res = &backend.Result{}
	out.Reset()
	if _, err := ParseHypervisorReport(b, res, &out); err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Kind != "read" || v.Domain != "app" || v.Address != 0x40017000 || v.RIP == 0 || !strings.Contains(v.CaughtBy, "EPT") {
		t.Errorf("violation %+v", v)
	}
	if !strings.Contains(out.String(), "attack-read: reading") {
		t.Errorf("the workload's own print was lost: %q", out.String())
	}
	for _, bad := range []string{"PLIB metric x\nPLIB end\n", "PLIB exit zero\nPLIB end\n", "PLIB violation kind=read\nPLIB end\n",
		"PLIB bogus\nPLIB end\n", "PLIB exit 0\n", "PLIB fatal no VMX\nPLIB end\n"} {
		if _, err := ParseHypervisorReport([]byte(bad), &backend.Result{}, nil); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzParseHypervisorReport: whatever the guest prints, the parser
// returns or errs; it never panics, and a violation it returns has a kind.
func FuzzParseHypervisorReport(f *testing.F) {
	for _, name := range []string{"testdata/hv-null.out", "testdata/hv-attack-read.out"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("PLIB violation kind=x view=1 (y) address=0xzz caught-by=\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res := &backend.Result{}
		ParseHypervisorReport(b, res, nil)
		if res.Violation != nil && res.Violation.Kind == "" {
			t.Fatal("a violation without a kind")
		}
		if len(res.Metrics) > backend.MaxMetrics {
			t.Fatal("too many metrics")
		}
	})
}
