package vcpu

import (
	"fmt"

	"plib/vmm/kvm"
)

// ExitKey is what a run counts an exit under in backend.Result.Exits:
// one set of names for the emulating VMM's KVM exits and the VM exits
// the hypervisor mode reports, so that "io" means the same in both.
type ExitKey string

// Exit keys.
const (
	ExitIO            ExitKey = "io"
	ExitHLT           ExitKey = "hlt"
	ExitMMIO          ExitKey = "mmio"
	ExitShutdown      ExitKey = "shutdown"
	ExitFailEntry     ExitKey = "fail_entry"
	ExitIntr          ExitKey = "intr"
	ExitInternalError ExitKey = "internal_error"
	ExitException     ExitKey = "exception"
	ExitDebug         ExitKey = "debug"
	// ExitUDVMFUNC: a VMFUNC that raised #UD, reported by the guest
	// supervisor and carried out by the VMM.
	ExitUDVMFUNC ExitKey = "ud_vmfunc"
	// ExitFault: an exception exit the hypervisor mode took.
	ExitFault ExitKey = "fault"
)

// KeyOf names a KVM exit reason.
func KeyOf(reason uint32) ExitKey {
	switch reason {
	case kvm.ExitIO:
		return ExitIO
	case kvm.ExitHLT:
		return ExitHLT
	case kvm.ExitMMIO:
		return ExitMMIO
	case kvm.ExitShutdown:
		return ExitShutdown
	case kvm.ExitFailEntry:
		return ExitFailEntry
	case kvm.ExitIntr:
		return ExitIntr
	case kvm.ExitInternalError:
		return ExitInternalError
	case kvm.ExitException:
		return ExitException
	case kvm.ExitDebug:
		return ExitDebug
	}
	return ExitKey(fmt.Sprintf("reason_%d", reason))
}

// Counts counts exits by key.
type Counts map[ExitKey]uint64

// Map is c as backend.Result.Exits holds it.
func (c Counts) Map() map[string]uint64 {
	m := make(map[string]uint64, len(c))
	for k, v := range c {
		m[string(k)] = v
	}
	return m
}
