package handoff

import (
	"fmt"
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
	for _, p := range xstatecheck.Parts {
		t.Run(fmt.Sprintf("part%d", p), func(t *testing.T) {
			res, out := runOut(t, "xstate", p.Params(), backend.Options{})
			if err := xstatecheck.Check(res, p, true); err != nil {
				t.Errorf("%v\n%s", err, out)
			}
		})
	}
}
