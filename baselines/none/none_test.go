package none_test

import (
	"strings"
	"testing"
	"time"

	"plib/backend"
)

func TestNoneRunsNull(t *testing.T) {
	res, _ := runNone(t, "null", map[string]int64{"iterations": 1000, "rounds": 3}, time.Minute)
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("null: %+v", res)
	}
	calls, _ := res.Metric("calls")
	if calls != 3*1000+1000/10+2 {
		t.Errorf("calls = %d: the iterations parameter did not reach the workload", calls)
	}
	if res.Mechanism.Mode != backend.NoIsolation || res.ViewSwitches != 0 {
		t.Errorf("none must say it does not isolate: %+v", res.Mechanism)
	}
	if c, _ := res.Metric("call_cycles"); c <= 0 {
		t.Errorf("call_cycles = %d", c)
	}
}

// TestNoneDoesNotIsolate documents what the none backend is: the read
// attack succeeds and says so (exit code 66), and the app's output is
// attributed to the app.
func TestNoneDoesNotIsolate(t *testing.T) {
	res, out := runNone(t, "attack-read", nil, time.Minute)
	if res.Violation != nil || !res.Exited || res.ExitCode != 66 {
		t.Fatalf("attack-read under none: %+v", res)
	}
	if !strings.Contains(out, "read succeeded: no isolation") {
		t.Errorf("output %q", out)
	}
	if v, _ := res.Metric("stolen"); uint64(v) != 0x5ec2e75ec2e7aaaa {
		t.Errorf("stolen value %#x is not the library's secret", v)
	}
}

func TestNoneGateChecksEntries(t *testing.T) {
	res, _ := runNone(t, "attack-gate-entry", nil, time.Minute)
	if res.Violation == nil || res.Violation.Kind != "gate" {
		t.Fatalf("unexported entry under none: %+v", res)
	}
}
