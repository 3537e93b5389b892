package hostproc_test

import (
	"testing"

	"plib/backend"
	"plib/internal/xstatecheck"
)

// TestExtendedStateCrossesNoGate: a library's vector, mask and x87
// registers never reach the application, an application's MXCSR and x87
// control word never reach the library, and AMX tile instructions fault
// in every domain, under each host backend (pku: scripts/test-pku-tcg).
// none has no gate: there the library's registers are seen and the
// application's unmasked divide-by-zero faults the library, which shows
// that the workload can see what it checks.
func TestExtendedStateCrossesNoGate(t *testing.T) {
	for name, b := range map[string]backend.Backend{"none": none, "mprotect": mprotect, "process": process} {
		t.Run(name, func(t *testing.T) {
			xstatecheck.Run(t, name != "none", func(t *testing.T, params map[string]int64) (*backend.Result, string) {
				return runBackend(t, b, "xstate", params)
			})
		})
	}
}
