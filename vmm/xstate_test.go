package vmm

import (
	"fmt"
	"testing"
	"time"

	"plib/internal/xstatecheck"
)

// TestExtendedStateStaysInItsDomain: under vmfunc a library's vector,
// mask and x87 registers never reach the application, the application's
// MXCSR and x87 control word never reach the library, and an AMX tile
// instruction faults in the application and in a library (XCR0 has no
// tile state). This is behaviour, not the control bits handed to KVM:
// the guest enables x87, SSE and XSAVE for real (TestGuestControlState),
// and the gate clears what XCR0 enables.
func TestExtendedStateStaysInItsDomain(t *testing.T) {
	for _, p := range xstatecheck.Parts {
		t.Run(fmt.Sprintf("part%d", p), func(t *testing.T) {
			res, _ := run(t, "xstate", p.Params(), 30*time.Second)
			if err := xstatecheck.Check(res, p, true); err != nil {
				t.Error(err)
			}
		})
	}
}
