package pku_test

import (
	"testing"

	"plib/backend/backendtest"
	_ "plib/pku" // registers pku
)

// TestMain lets a host backend run this binary as its child.
func TestMain(m *testing.M) { backendtest.Main(m) }

// TestConformance runs the conformance suite against pku.
func TestConformance(t *testing.T) {
	backendtest.Run(t, "pku")
}
