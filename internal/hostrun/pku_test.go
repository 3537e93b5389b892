package hostrun

import (
	"strings"
	"testing"
)

// The pku tests need a CPU with protection keys; scripts/test-pku-tcg runs
// them inside QEMU TCG where there is none here.
func needPKU(t *testing.T) {
	t.Helper()
	if why := pkuUnavailable(); why != "" {
		t.Skipf("SKIPPING pku test: %s (scripts/test-pku-tcg runs it under QEMU TCG)", why)
	}
}

func TestPKURunsNull(t *testing.T) {
	needPKU(t)
	res, _ := runBackend(t, PKU{}, "null", map[string]int64{"iterations": 200, "rounds": 3})
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("null under pku: %+v %+v", res, res.Violation)
	}
	if calls, _ := res.Metric("calls"); calls != 3*200+200/10+2 {
		t.Errorf("calls = %d", calls)
	}
}

func TestPKUStopsAttacks(t *testing.T) {
	needPKU(t)
	for image, want := range map[string]string{"attack-read": "read", "attack-write": "write", "attack-exec": "read"} {
		res, _ := runBackend(t, PKU{}, image, nil)
		v := res.Violation
		if v == nil || v.Kind != want || v.Domain != "app" || !strings.Contains(v.CaughtBy, "SEGV_PKUERR") {
			t.Errorf("%s under pku: %+v", image, v)
		}
	}
}

func TestPKUUnavailableSaysWhy(t *testing.T) {
	if pkuUnavailable() == "" {
		t.Skip("this CPU has protection keys")
	}
	m := PKU{}.Probe()
	if m.Available() || !strings.Contains(m.Unavailable, "CPUID") {
		t.Errorf("probe on a CPU without PKU: %+v", m)
	}
}
