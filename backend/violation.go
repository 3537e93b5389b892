package backend

import "fmt"

// Violation describes an isolation violation the backend stopped, or how
// a run was ended against the workload's will (timeout, call budget,
// crash).
type Violation struct {
	Kind    ViolationKind `json:"kind"`
	Domain  string        `json:"domain"` // domain (view) that was running
	Address uint64        `json:"address"`
	RIP     uint64        `json:"rip"`
	Detail  string        `json:"detail"`
	// Catcher is what caught it, for code to branch on; CaughtBy says the
	// same for a reader, with the particulars (which view, which signal).
	Catcher  Catcher `json:"catcher"`
	CaughtBy string  `json:"caught_by"`
	// Signal is the host signal that reported it (host backends), by name.
	Signal    string `json:"signal,omitempty"`
	Target    string `json:"target,omitempty"`
	Exception int    `json:"exception,omitempty"`
}

// Error describes the violation in one line.
func (v *Violation) Error() string {
	return fmt.Sprintf("isolation violation: %s by %s at rip %#x, address %#x (%s), caught by %s", v.Kind, v.Domain, v.RIP, v.Address, v.Detail, v.CaughtBy)
}

// ViolationKind is what a stopped run did, or how it was ended.
type ViolationKind string

// Violation kinds.
const (
	ViolationRead     ViolationKind = "read"    // a load from memory the domain may not read
	ViolationWrite    ViolationKind = "write"   // a store to memory the domain may not write
	ViolationExecute  ViolationKind = "execute" // an instruction fetch from code the domain may not run
	ViolationGate     ViolationKind = "gate"    // a gate check failed (entry, caller, budget bookkeeping)
	ViolationPlatform ViolationKind = "platform-call"
	// ViolationException: a CPU exception in image code other than a
	// memory access (invalid opcode, divide error, a trap).
	ViolationException ViolationKind = "exception"
	ViolationSyscall   ViolationKind = "syscall"     // a system call the filter refuses
	ViolationIO        ViolationKind = "io"          // port I/O to a port that is no platform port
	ViolationTimeout   ViolationKind = "timeout"     // the run outlived --timeout
	ViolationBudget    ViolationKind = "call-budget" // a library call outlived --call-budget
	ViolationCrash     ViolationKind = "crash"       // the image's process died of a signal
	// ViolationTripleFault: the guest faulted while delivering a fault.
	ViolationTripleFault ViolationKind = "triple-fault"
	ViolationEmulation   ViolationKind = "emulation" // KVM could not emulate an instruction
	ViolationVMFUNCLeaf  ViolationKind = "vmfunc-leaf"
	ViolationVMFUNCIndex ViolationKind = "vmfunc-index" // a VMFUNC to a view that does not exist
	ViolationVMFUNCEPTP  ViolationKind = "vmfunc-eptp"  // a VMFUNC to an EPTP-list entry that is no valid EPTP
)

// Catcher is the mechanism that caught a violation.
type Catcher string

// Catchers.
const (
	CatcherEPT         Catcher = "EPT view"         // a view's EPT (KVM memory slots) refused the access
	CatcherGuestPaging Catcher = "guest #PF"        // the guest's own page tables refused it
	CatcherGuestFault  Catcher = "guest exception"  // the guest supervisor reported an exception
	CatcherPKU         Catcher = "SEGV_PKUERR"      // a protection key refused it
	CatcherPageRights  Catcher = "SEGV_ACCERR"      // page rights (mprotect) refused it
	CatcherUnmapped    Catcher = "SEGV_MAPERR"      // the address is not mapped in the image's process
	CatcherSeccomp     Catcher = "seccomp"          // the seccomp filter (SIGSYS)
	CatcherHostKernel  Catcher = "host kernel"      // another signal from the host kernel
	CatcherGate        Catcher = "gate check"       // the gate's own checks
	CatcherPlatform    Catcher = "platform check"   // the platform's validation of a call
	CatcherVMM         Catcher = "VMM"              // the VMM's exit handling (ports, emulation)
	CatcherVMFUNC      Catcher = "VMFUNC emulation" // the VMM's VMFUNC emulation
	CatcherTimer       Catcher = "timer"            // the run's wall-clock timer
	CatcherWatchdog    Catcher = "watchdog"         // the call-budget watchdog
	CatcherHypervisor  Catcher = "hypervisor mode"  // guestlib's hypervisor (nested mode)
)
