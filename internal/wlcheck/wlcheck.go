// Package wlcheck judges the results of the multi-instance workloads
// (sharing, app-crash, kill-mid-call, kv-load) the same way for every
// backend's tests.
package wlcheck

import (
	"testing"

	"plib/backend"
)

// Metrics indexes a result's metrics as "domain.name" (instance 1's
// domain is "app#1").
func Metrics(res *backend.Result) map[string]int64 {
	m := map[string]int64{}
	for _, x := range res.Metrics {
		m[x.Domain+"."+x.Name] = x.Value
	}
	return m
}

// KillMidCall: instance 1 was stopped past its call budget inside kv at
// step; instance 0 exited 0 after exactly one recovery, with "@victim"
// rolled back (steps 0-2) or forward (3-4) and kv consistent.
func KillMidCall(t *testing.T, what string, step int64, res *backend.Result, out string) {
	t.Helper()
	m := Metrics(res)
	forward := int64(0)
	if step >= 3 {
		forward = 1
	}
	v := res.Violation
	if v == nil || v.Kind != backend.ViolationBudget || v.Domain != "kv#1" || res.ExitCode != 0 ||
		m["app.recoveries"] != 1 || m["app.consistent"] != 1 || m["app.victim_rolled_forward"] != forward {
		t.Errorf("%s, step %d: violation %+v, exit %d, metrics %v\n%s", what, step, v, res.ExitCode, m, out)
	}
}

// AppCrash: instance 1 faulted (a write) in its own code; instance 0
// finished all its calls right, with kv consistent.
func AppCrash(t *testing.T, what string, calls int64, res *backend.Result, out string) {
	t.Helper()
	m := Metrics(res)
	v := res.Violation
	if v == nil || v.Domain != "app#1" || m["app.completed"] != calls || m["app.wrong"] != 0 ||
		m["app.consistent"] != 1 || m["app#1.crash_at"] == 0 {
		t.Errorf("%s: violation %+v, metrics %v\n%s", what, v, m, out)
	}
}

// Counters: the run exited 0 without a violation and every instance
// reported metric name equal to want (want < 0: equal to its "expected"
// metric); apps instances must have reported.
func Counters(t *testing.T, what, name string, want int64, apps int, res *backend.Result, out string) {
	t.Helper()
	if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
		t.Fatalf("%s: exit %v %d %+v\n%s", what, res.Exited, res.ExitCode, res.Violation, out)
	}
	if want < 0 {
		want, _ = res.Metric("expected")
	}
	n := 0
	for _, x := range res.Metrics {
		if x.Name == name {
			n++
			if x.Value != want {
				t.Errorf("%s: %s %s = %d, want %d", what, x.Domain, name, x.Value, want)
			}
		}
		if x.Name == "consistent" && x.Value != 1 {
			t.Errorf("%s: %s found kv inconsistent", what, x.Domain)
		}
	}
	if n != apps {
		t.Errorf("%s: %d instances reported %s, want %d\n%s", what, n, name, apps, out)
	}
}
