package mprotect_test

import "testing"

// TestMprotectCallsReturnResults checks the gate opens and closes the pages
// around every call: many calls, each returning the right value.
func TestMprotectCallsReturnResults(t *testing.T) {
	res, _ := runMprotect(t, "null", map[string]int64{"iterations": 500, "rounds": 3})
	if !res.Exited || res.ExitCode != 0 {
		t.Fatalf("null under mprotect: %+v %+v", res, res.Violation)
	}
}
