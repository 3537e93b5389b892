package vmm

import (
	"sync"

	"plib/caps"
	"plib/vmm/hvmode"
)

// HostCPU is the host processor, read once per process.
var HostCPU = sync.OnceValue(caps.ProbeCPU)

// NestedSupport reports whether this host can give a KVM guest VMX with
// VMFUNC EPTP switching, and if not, why.
func NestedSupport() (bool, string) { return hvmode.Support(HostCPU()) }
