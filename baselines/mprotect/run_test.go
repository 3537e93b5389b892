package mprotect_test

import (
	"testing"
	"time"

	"plib/backend"
	"plib/backend/backendtest"
	_ "plib/baselines/mprotect" // the backend under test registers itself
)

// runMprotect runs image name under mprotect for at most a minute, with vmm run's
// default call budget.
func runMprotect(t *testing.T, name string, params map[string]int64) (*backend.Result, string) {
	t.Helper()
	return backendtest.RunImage(t, "mprotect", name, backend.Options{Params: params, Timeout: time.Minute, CallBudget: 10 * time.Second})
}
