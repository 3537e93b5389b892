package hvmode

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"plib/backend"
	"plib/vmm/vcpu"
)

// TestParseHypervisorReport reads a report recorded from Bochs.
func TestParseReport(t *testing.T) {
	b, err := os.ReadFile("testdata/hv-null.out")
	if err != nil {
		t.Fatal(err)
	}
	res := &backend.Result{}
	var out bytes.Buffer
	r, err := ParseReport(b, res, &out)
	if err != nil {
		t.Fatal(err)
	}
	calls, _ := res.Metric("calls")
	if !res.Exited || res.ExitCode != 0 || calls != 512 || res.GateSwitches != 1024 || r.IOExits != 509 || res.Exits[string(vcpu.ExitIO)] != 509 || !strings.Contains(r.VMX, "eptp-switching=1") {
		t.Errorf("parsed %+v %+v", res, r)
	}
	b, _ = os.ReadFile("testdata/hv-attack-read.out")
	res = &backend.Result{}
	out.Reset()
	if _, err := ParseReport(b, res, &out); err != nil {
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
		if _, err := ParseReport([]byte(bad), &backend.Result{}, nil); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	for line, want := range map[string]Status{"PLIB fatal unsupported no VMX: CPUID.1:ECX[5] is 0\nPLIB end\n": Unsupported,
		"PLIB fatal bundle the bundle is truncated or malformed\nPLIB end\n":    BadBundle,
		"PLIB fatal failed VMLAUNCH failed: VM-instruction error 7\nPLIB end\n": Failed, "PLIB exit 0\n": Unfinished} {
		r, err := ParseReport([]byte(line), &backend.Result{}, nil)
		if !errors.Is(err, ErrFatal) || r.Status != want {
			t.Errorf("%q: status %q, error %v; want %q", line, r.Status, err, want)
		}
	}
	if r.Status != Completed {
		t.Errorf("a complete report has status %q", r.Status)
	}
}

// FuzzParseReport: whatever the guest prints, the parser
// returns or errs; it never panics, and a violation it returns has a kind.
func FuzzParseReport(f *testing.F) {
	for _, name := range []string{"testdata/hv-null.out", "testdata/hv-attack-read.out"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("PLIB violation kind=x view=1 (y) address=0xzz caught-by=\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res := &backend.Result{}
		ParseReport(b, res, nil)
		if res.Violation != nil && res.Violation.Kind == "" {
			t.Fatal("a violation without a kind")
		}
		if len(res.Metrics) > backend.MaxMetrics {
			t.Fatal("too many metrics")
		}
	})
}
