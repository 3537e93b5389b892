package vmm

import (
	"plib/caps"
	"plib/vmm/kvm"
)

// guestXCR0 is the XCR0 every view's vCPU runs with: what the host's XCR0
// enables and KVM supports, without AMX tile state (an image cannot be
// given tiles' permission, so tile instructions must fault) and without
// anything beyond x87, SSE, AVX and AVX-512. 0 (no XSAVE in the guest)
// where x87 and SSE are all there is.
func guestXCR0(sys *kvm.System) uint64 {
	x := caps.HostXCR0() & sys.SupportedXCR0() & caps.XCR0Guest
	if x&(caps.XCR0X87|caps.XCR0SSE) != caps.XCR0X87|caps.XCR0SSE {
		return 0
	}
	return x
}
