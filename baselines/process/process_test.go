package process_test

import (
	"strings"
	"testing"
	"time"

	"plib/backend"
)

// TestProcessLibraryDeathIsAnError: the library's process crashes in the
// middle of a call; the caller gets PLIB_ERR_LIB_DEAD within bounded time
// and carries on, and the run's verdict is the one every backend gives a
// library fault: a violation naming the library (exit 3), whatever the
// application did after it.
func TestProcessLibraryDeathIsAnError(t *testing.T) {
	start := time.Now()
	res, out := runProcess(t, "lib-crash", nil)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	if v := res.Violation; v == nil || v.Domain != "null" || v.Kind != backend.ViolationWrite {
		t.Fatalf("lib-crash under process: want a write violation by null, got %+v %+v\n%s", res, res.Violation, out)
	}
	if r, _ := res.Metric("result"); r != -32 {
		t.Errorf("the call returned %d, want PLIB_ERR_LIB_DEAD (-32): the application carries on", r)
	}
	found := false
	for _, n := range res.Notes {
		found = found || (strings.Contains(n, "library null's process stopped") && strings.Contains(n, "write by null"))
	}
	if !found {
		t.Errorf("no note names the dead library and its crash: %q", res.Notes)
	}
}
