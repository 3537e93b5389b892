package abi

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestScriptsTakeAddressesFromHeaders checks that the build scripts link
// images, gates, the supervisor and the hypervisor at addresses they take
// from the checked headers (by name), not at numbers of their own that
// could drift from Go's.
func TestScriptsTakeAddressesFromHeaders(t *testing.T) {
	addrs := map[uint64]string{
		ImageBase: "PLIB_IMAGE_BASE or PLIB_GATE_PAGE", GateData: "PLIB_GATE_DATA",
		GateEntries: "PLIB_GATE_ENTRIES", ImageCode: "PLIB_IMAGE_CODE", SupCode: "PLIB_SUP_CODE",
		SupStackTop: "PLIB_SUP_STACK_TOP", HVLoadAddr: "HV_LOAD_ADDR", BundleGuestHPA: "BUNDLE_GUEST_HPA",
		BundleEPTHPA: "BUNDLE_EPT_HPA",
	}
	scripts := map[string][]string{ // file: the names it must use
		"../../guestlib/mkimage":           {"PLIB_IMAGE_BASE"},
		"../../internal/guestbin/build.sh": {"PLIB_GATE_PAGE", "PLIB_SUP_CODE"},
		"../../guestlib/hv/link.ld":        {"HV_LOAD_ADDR"},
		"../../guestlib/hv/build.sh":       nil,
	}
	hex := regexp.MustCompile(`\b0[xX][0-9a-fA-F]+\b`)
	for file, names := range scripts {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, lit := range hex.FindAllString(line, -1) {
				v, err := strconv.ParseUint(lit, 0, 64)
				if err != nil {
					continue
				}
				if name, ok := addrs[v]; ok {
					t.Errorf("%s:%d hard-codes %s; use %s from the header", file, i+1, lit, name)
				}
			}
		}
		for _, n := range names {
			if !strings.Contains(string(b), n) {
				t.Errorf("%s does not take %s from the header", file, n)
			}
		}
	}
}
