package mprotect_test

import (
	"testing"

	"plib/backend/backendtest"
	_ "plib/baselines/mprotect" // registers mprotect
)

// TestMain lets a host backend run this binary as its child.
func TestMain(m *testing.M) { backendtest.Main(m) }

// TestConformance runs the conformance suite against mprotect.
func TestConformance(t *testing.T) {
	backendtest.Run(t, "mprotect")
}
