// Package caps reports what this machine can do for plib: the CPU, KVM,
// VMX/VMFUNC and PKU, and per backend whether its switch runs on
// hardware, is emulated (and by what) or is unavailable (and why).
package caps

import (
	"os"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"
)

func cpuidRaw(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
func rdtsc() uint64

// CPU describes the host processor.
type CPU struct {
	Vendor     string   `json:"vendor"`
	Model      string   `json:"model"`
	Family     int      `json:"family"`
	Cores      int      `json:"logical_cores"`
	VMX        bool     `json:"vmx"`        // Intel VT-x visible to this kernel
	SVM        bool     `json:"svm"`        // AMD-V visible to this kernel
	VMXFlags   []string `json:"vmx_flags"`  // /proc/cpuinfo "vmx flags"
	VMFUNC     bool     `json:"vmfunc"`     // VMFUNC EPTP switching in "vmx flags"
	PKU        bool     `json:"pku"`        // CPUID.(7,0):ECX[3]
	OSPKE      bool     `json:"ospke"`      // CPUID.(7,0):ECX[4]: the OS enabled PKU
	Hypervisor string   `json:"hypervisor"` // when this kernel itself runs in a VM
}

// ProbeCPU reads CPUID and /proc/cpuinfo.
func ProbeCPU() CPU {
	c := CPU{
		Vendor: cpuid.CPU.VendorString,
		Model:  cpuid.CPU.BrandName,
		Family: cpuid.CPU.Family,
		Cores:  cpuid.CPU.LogicalCores,
		VMX:    cpuid.CPU.Supports(cpuid.VMX),
		SVM:    cpuid.CPU.Supports(cpuid.SVM),
	}
	if cpuid.CPU.Supports(cpuid.HYPERVISOR) {
		c.Hypervisor = cpuid.CPU.HypervisorVendorString
		if c.Hypervisor == "" {
			c.Hypervisor = "unknown"
		}
	}
	// cpuid/v2 has no PKU/OSPKE bits; read leaf 7 directly.
	if max, _, _, _ := cpuidRaw(0, 0); max >= 7 {
		_, _, ecx, _ := cpuidRaw(7, 0)
		c.PKU = ecx&(1<<3) != 0
		c.OSPKE = ecx&(1<<4) != 0
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "vmx flags") {
				c.VMXFlags = strings.Fields(line[strings.Index(line, ":")+1:])
				break
			}
		}
	}
	for _, f := range c.VMXFlags {
		if f == "ept_vmfunc" || f == "vmfunc" {
			c.VMFUNC = true
		}
	}
	return c
}

// NoVMFUNC says why this CPU offers no VMFUNC EPTP switching, as a
// clause ("the host CPU ..."); "" when it does.
func (c CPU) NoVMFUNC() string {
	switch {
	case c.VMFUNC:
		return ""
	case c.VMX && len(c.VMXFlags) == 0:
		return "the host CPU has VMX, but this kernel lists no \"vmx flags\" in /proc/cpuinfo to show VMFUNC"
	case c.VMX:
		return "the host CPU has VMX without VMFUNC EPTP switching"
	case c.SVM:
		return "the host CPU shows no VMX (an AMD host: KVM nests SVM, which has no VMFUNC)"
	case c.Hypervisor != "":
		return "the host CPU shows no VMX (this kernel runs in a VM that does not pass VMX through)"
	}
	return "the host CPU shows no VMX"
}

// Cycles reads the time-stamp counter, ordered after earlier
// instructions (LFENCE; RDTSC).
func Cycles() uint64 { return rdtsc() }

// TSCHz estimates the time-stamp counter frequency against the host clock.
func TSCHz() float64 {
	t0, c0 := time.Now(), rdtsc()
	time.Sleep(20 * time.Millisecond)
	t1, c1 := time.Now(), rdtsc()
	return float64(c1-c0) / t1.Sub(t0).Seconds()
}
