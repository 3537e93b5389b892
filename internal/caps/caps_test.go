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
