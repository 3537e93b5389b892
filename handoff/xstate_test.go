package handoff

import (
	"testing"

	"plib/backend"
	"plib/internal/xstatecheck"
)

// TestExtendedStateStaysOnItsVCPU: under handoff a library runs on a vCPU
// of its own, so its gate clears nothing; the same checks as every
// other backend's show that nothing of its vector, mask and x87
// registers reaches the application, nothing of the application's
// control state reaches it, and tile instructions fault in both.
func TestExtendedStateStaysOnItsVCPU(t *testing.T) {
	xstatecheck.Run(t, true, func(t *testing.T, params map[string]int64) (*backend.Result, string) {
		return runOut(t, "xstate", params, backend.Options{})
	})
}
