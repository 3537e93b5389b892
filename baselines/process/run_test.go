package process_test

import (
	"testing"
	"time"

	"plib/backend"
	"plib/backend/backendtest"
	_ "plib/baselines/process" // the backend under test registers itself
)

// runProcess runs image name under process for at most a minute, with vmm run's
// default call budget.
func runProcess(t *testing.T, name string, params map[string]int64) (*backend.Result, string) {
	t.Helper()
	return backendtest.RunImage(t, "process", name, backend.Options{Params: params, Timeout: time.Minute, CallBudget: 10 * time.Second})
}
