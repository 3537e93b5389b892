package none_test

import (
	"testing"
	"time"

	"plib/backend"
	"plib/backend/backendtest"
	_ "plib/baselines/none" // the backend under test registers itself
)

// runNone runs image name under none for at most timeout, with vmm run's
// default call budget.
func runNone(t *testing.T, name string, params map[string]int64, timeout time.Duration) (*backend.Result, string) {
	t.Helper()
	return backendtest.RunImage(t, "none", name, backend.Options{Params: params, Timeout: timeout, CallBudget: 10 * time.Second})
}
