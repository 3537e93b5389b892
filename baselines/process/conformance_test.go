package process_test

import (
	"testing"

	"plib/backend/backendtest"
	_ "plib/baselines/process" // registers process
)

// TestMain lets a host backend run this binary as its child.
func TestMain(m *testing.M) { backendtest.Main(m) }

// TestConformance runs the conformance suite against process.
func TestConformance(t *testing.T) {
	backendtest.Run(t, "process")
}
