package pku_test

import (
	"testing"
	"time"

	"plib/backend"
	"plib/backend/backendtest"
	_ "plib/pku" // the backend under test registers itself
)

// runPKU runs image name under pku for at most a minute, with vmm run's
// default call budget.
func runPKU(t *testing.T, name string, params map[string]int64) (*backend.Result, string) {
	t.Helper()
	return backendtest.RunImage(t, "pku", name, backend.Options{Params: params, Timeout: time.Minute, CallBudget: 10 * time.Second})
}

// probe is the pku backend's probe, as the registry has the backend.
func probe() backend.Mechanism {
	b, _ := backend.Lookup("pku")
	return b.Probe()
}
