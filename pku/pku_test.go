package pku_test

import (
	"strings"
	"testing"

	"plib/backend"
)

// The pku tests need a CPU with protection keys; scripts/test-pku-tcg runs
// them inside QEMU TCG where there is none here.
func needPKU(t *testing.T) {
	t.Helper()
	if m := probe(); !m.Available() {
		why := m.Unavailable
		t.Skipf("SKIPPING pku test: %s (scripts/test-pku-tcg runs it under QEMU TCG)", why)
	}
}

func TestPKURunsNull(t *testing.T) {
	needPKU(t)
	res, _ := runPKU(t, "null", map[string]int64{"iterations": 200, "rounds": 3})
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("null under pku: %+v %+v", res, res.Violation)
	}
	if calls, _ := res.Metric("calls"); calls != 3*200+200/10+2 {
		t.Errorf("calls = %d", calls)
	}
}

func TestPKUStopsAttacks(t *testing.T) {
	needPKU(t)
	for image, want := range map[string]backend.ViolationKind{"attack-read": backend.ViolationRead, "attack-write": backend.ViolationWrite, "attack-exec": backend.ViolationRead} {
		res, _ := runPKU(t, image, nil)
		v := res.Violation
		if v == nil || v.Kind != want || v.Domain != "app" || v.Catcher != backend.CatcherPKU {
			t.Errorf("%s under pku: %+v", image, v)
		}
	}
}

func TestPKUUnavailableSaysWhy(t *testing.T) {
	m := probe()
	if m.Available() {
		t.Skip("this CPU has protection keys")
	}
	if m.Available() || !strings.Contains(m.Unavailable, "CPUID") {
		t.Errorf("probe on a CPU without PKU: %+v", m)
	}
}
