package handoff_test

import (
	"testing"

	"plib/backend/backendtest"
	_ "plib/handoff" // registers handoff
)

// TestMain lets a host backend run this binary as its child.
func TestMain(m *testing.M) { backendtest.Main(m) }

// TestConformance runs the conformance suite against handoff.
func TestConformance(t *testing.T) {
	backendtest.Run(t, "handoff")
}
