package guestbin

import (
	"testing"

	"plib/image"
)

// TestTrustedBlobsSetNoSegmentBase: no trusted blob (gates, supervisor,
// hypervisor, loader) holds a WRFSBASE or WRGSBASE at any byte offset,
// nor an XRSTOR: the image scan refuses them in image code, and the
// gate pages, which the image scan exempts, must not offer them either
// (on a paravirtual KVM they execute in guest ring 3 whatever
// CR4.FSGSBASE says; XRSTOR loads PKRU). The loader's own scan is
// backend/hostproc's TestLoaderIsGadgetFree.
func TestTrustedBlobsSetNoSegmentBase(t *testing.T) {
	for name, b := range map[string][]byte{"gate_vmfunc": GateVMFUNC, "gate_none": GateNone, "gate_mprotect": GateMprotect,
		"gate_pku": GatePKU, "gate_process": GateProcess, "gate_handoff": GateHandoff, "supervisor": Supervisor,
		"hypervisor": Hypervisor, "loader": Loader} {
		if len(b) == 0 {
			t.Errorf("%s: empty", name)
		}
		if at := image.FindWRSEGBASE(b); at >= 0 {
			t.Errorf("%s: WRFSBASE/WRGSBASE encoding (0f ae /2 or /3, register operand) at offset %#x", name, at)
		}
		if at := image.FindXRSTOR(b); at >= 0 {
			t.Errorf("%s: XRSTOR at offset %#x", name, at)
		}
	}
}
