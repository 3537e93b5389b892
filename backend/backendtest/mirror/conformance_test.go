//go:build plibtest

package mirror_test

import (
	"testing"

	"plib/backend/backendtest"
	_ "plib/backend/backendtest/mirror" // registers mirror
)

// TestMain lets a host backend run this binary as its child.
func TestMain(m *testing.M) { backendtest.Main(m) }

// TestConformance runs the conformance suite against mirror.
func TestConformance(t *testing.T) {
	backendtest.Run(t, "mirror")
}
