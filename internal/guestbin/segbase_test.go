package guestbin

import (
	"testing"

	"plib/image"
)

// TestTrustedBlobsSetSegmentBasesOnlyAtRecordedSites: no trusted blob
// (gates, supervisor, hypervisor, loader) holds a WRGSBASE or an XRSTOR
// at any byte offset, and a WRFSBASE only where its gate's thread-pointer
// site table records one (FSBaseSites): the image scan refuses them all
// in image code, and the gate pages, which the image scan exempts, offer
// a WRFSBASE only at the sites each followed by the RDFSBASE check (on a
// paravirtual KVM they execute in guest ring 3 whatever CR4.FSGSBASE
// says; XRSTOR loads PKRU). The loader, which runs before the image in
// the image's process and stays mapped, holds none at all. The loader's
// own scan is backend/hostproc's TestLoaderIsGadgetFree.
func TestTrustedBlobsSetSegmentBasesOnlyAtRecordedSites(t *testing.T) {
	gates := map[string]bool{"gate_none": true, "gate_mprotect": true, "gate_pku": true}
	for name, b := range map[string][]byte{"gate_vmfunc": GateVMFUNC, "gate_none": GateNone, "gate_mprotect": GateMprotect,
		"gate_pku": GatePKU, "gate_process": GateProcess, "gate_handoff": GateHandoff, "supervisor": Supervisor,
		"hypervisor": Hypervisor, "loader": Loader} {
		if len(b) == 0 {
			t.Errorf("%s: empty", name)
		}
		sites, err := FSBaseSites(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if gates[name] && len(sites) == 0 {
			t.Errorf("%s: no recorded WRFSBASE site: the gate must set the library's thread pointer", name)
		}
		recorded := map[int]bool{}
		for _, s := range sites {
			// F3, a REX.W prefix, 0F AE, ModRM D0-D7: WRFSBASE of a 64-bit register.
			if s+5 > len(b) || b[s] != 0xf3 || b[s+1]&0xf8 != 0x48 || b[s+2] != 0x0f || b[s+3] != 0xae || b[s+4]&0xf8 != 0xd0 {
				t.Errorf("%s: recorded thread-pointer site %#x holds % x, not a WRFSBASE", name, s, b[s:min(s+5, len(b))])
			}
			recorded[s+2] = true // where FindWRSEGBASE finds its 0F
		}
		for off := 0; off < len(b); {
			at := image.FindWRSEGBASE(b[off:])
			if at < 0 {
				break
			}
			if !recorded[off+at] {
				t.Errorf("%s: WRFSBASE/WRGSBASE encoding (0f ae /2 or /3, register operand) at offset %#x, not a recorded site", name, off+at)
			}
			off += at + 1
		}
		if at := image.FindXRSTOR(b); at >= 0 {
			t.Errorf("%s: XRSTOR at offset %#x", name, at)
		}
	}
}
