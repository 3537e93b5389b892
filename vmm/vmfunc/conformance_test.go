package vmfunc_test

import (
	"testing"

	"plib/backend/backendtest"
	_ "plib/vmm/vmfunc" // registers vmfunc
)

// TestMain lets a host backend run this binary as its child.
func TestMain(m *testing.M) { backendtest.Main(m) }

// TestConformance runs the conformance suite against vmfunc.
func TestConformance(t *testing.T) {
	backendtest.Run(t, "vmfunc")
}
