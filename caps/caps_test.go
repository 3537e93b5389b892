package caps

import (
	"os"
	"strings"
	"testing"
)

// TestLeaf7MatchesTheKernel compares the PKU and OSPKE bits read with our
// own CPUID assembly against the flags the kernel reports.
func TestLeaf7MatchesTheKernel(t *testing.T) {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("SKIPPING: no /proc/cpuinfo: %v", err)
	}
	var flags []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "flags") {
			flags = strings.Fields(line[strings.Index(line, ":")+1:])
			break
		}
	}
	has := func(f string) bool {
		for _, x := range flags {
			if x == f {
				return true
			}
		}
		return false
	}
	c := ProbeCPU()
	if c.PKU != has("pku") {
		t.Errorf("CPUID says PKU=%v, /proc/cpuinfo says %v", c.PKU, has("pku"))
	}
	if c.OSPKE != has("ospke") {
		t.Errorf("CPUID says OSPKE=%v, /proc/cpuinfo says %v", c.OSPKE, has("ospke"))
	}
	if c.Vendor == "" || c.Cores < 1 {
		t.Errorf("CPU: %+v", c)
	}
	if c.VMX != has("vmx") {
		t.Errorf("VMX=%v, flags say %v", c.VMX, has("vmx"))
	}
}

func TestTSCHz(t *testing.T) {
	if hz := TSCHz(); hz < 1e8 || hz > 1e10 {
		t.Errorf("TSC frequency %.0f Hz is implausible", hz)
	}
}

// TestXCR0Components: the components are the SDM's bits (x87 0, SSE 1,
// AVX 2, opmask 5, ZMM_Hi256 6, Hi16_ZMM 7), and this host's XCR0
// enables x87 and SSE wherever it enables XSAVE at all.
func TestXCR0Components(t *testing.T) {
	if XCR0Guest != 0b1110_0111 || XCR0AVX != 4 || XCR0Opmask != 32 {
		t.Errorf("XCR0Guest %#b, AVX %#x, opmask %#x", XCR0Guest, XCR0AVX, XCR0Opmask)
	}
	if x := HostXCR0(); x != 0 && x&(XCR0X87|XCR0SSE) != XCR0X87|XCR0SSE {
		t.Errorf("this host's XCR0 %#x lacks x87 or SSE", x)
	}
}
