package hostproc

import (
	"fmt"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/internal/abi"
	"plib/internal/pagefault"
)

var segvCodes = map[int64]string{1: "SEGV_MAPERR: no mapping", 2: "SEGV_ACCERR: page permissions", 4: "SEGV_PKUERR: protection key"}

// segvCatchers names what refused a SIGSEGV's access, by si_code; an
// unknown code leaves the catcher the host kernel.
var segvCatchers = map[int64]backend.Catcher{1: backend.CatcherUnmapped, 2: backend.CatcherPageRights, 4: backend.CatcherPKU}

// faultViolation describes a fault of the image's process from what the
// supervisor read of it through ptrace (Supervised.fault): the signal, its
// si_code and address, and the faulting instruction. The backend's
// Supervision.Fault may refine it.
func (p *process) faultViolation(sig unix.Signal, addr uint64, code int64, rip, errCode uint64) *backend.Violation {
	v := &backend.Violation{Domain: p.img.Domains[p.domainAt(rip)].Name, RIP: rip, Address: addr, Target: p.ownerOf(addr),
		Catcher: backend.CatcherHostKernel, Signal: unix.SignalName(sig), CaughtBy: fmt.Sprintf("host kernel: %s", unix.SignalName(sig))}
	switch {
	case sig == unix.SIGSEGV:
		if v.Kind = pagefault.Access(errCode); v.Kind == backend.ViolationExecute {
			// A fetch from a library's closed code: whoever jumped
			// there, it was not the library, whose pages open only
			// through the gate.
			v.Domain = p.img.Domains[0].Name
		}
		if c, ok := segvCatchers[code]; ok {
			v.Catcher = c
		}
		why := segvCodes[code]
		if why == "" {
			why = fmt.Sprintf("si_code %d", code)
		}
		v.CaughtBy += " (" + why + ")"
		v.Detail = fmt.Sprintf("%s of %#x refused by the MMU", v.Kind, addr)
	case sig == unix.SIGILL && rip >= abi.GatePage && rip < abi.GatePage+abi.GatePages*abi.PageSize:
		v.Kind, v.Domain, v.Target = backend.ViolationGate, p.img.Domains[0].Name, ""
		v.Catcher = backend.CatcherGate
		v.Detail = "the gate trapped: it was entered with registers it did not set up (a jump into its middle)"
	default:
		v.Kind = backend.ViolationException
		v.Detail = fmt.Sprintf("%s at rip %#x", unix.SignalName(sig), rip)
	}
	return v
}
