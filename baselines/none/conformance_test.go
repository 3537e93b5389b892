package none_test

import (
	"testing"

	"plib/backend/backendtest"
	_ "plib/baselines/none" // registers none
)

// TestMain lets a host backend run this binary as its child.
func TestMain(m *testing.M) { backendtest.Main(m) }

// TestConformance runs the conformance suite against none.
func TestConformance(t *testing.T) {
	backendtest.Run(t, "none", backendtest.Skip("budget", "none bounds no library call: its gate only switches the thread pointer and times nothing"),
		backendtest.Skip("kill/mid-call", "none bounds no library call, so nothing stops the dying holder inside kv"))
}
