package hostrun

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"plib/abi"
	"plib/backend"
	"plib/caps"
)

func tsc() uint64

// setBudget writes the call budget, in TSC cycles, into the header page,
// where the gates find it (0: no budget).
func (p *process) setBudget(budget time.Duration) (uint64, error) {
	cycles := uint64(0)
	if budget > 0 {
		cycles = uint64(budget.Seconds() * caps.TSCHz())
	}
	hdr := p.span(abi.GateData, abi.PageSize)
	if err := unix.Mprotect(hdr, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return 0, err
	}
	binary.LittleEndian.PutUint64(hdr[abi.HdrBudget:], cycles)
	return cycles, unix.Mprotect(hdr, unix.PROT_READ)
}

// watchBudget checks, from its own goroutine, the call the gate recorded
// as open in the switch context (CALL_OPENED in gate_common.inc). A call
// past the budget ends the child: the image thread cannot be interrupted
// from Go, and everything of the library lives in this process anyway.
func (p *process) watchBudget(budget time.Duration, cycles uint64, res *backend.Result) {
	tick := min(max(budget/8, time.Millisecond), 50*time.Millisecond)
	for range time.Tick(tick) {
		if p.atomicU64(abi.CtxDepth) == 0 {
			continue
		}
		start := p.atomicU64(abi.CtxStart)
		if now := tsc(); start == 0 || now < start || now-start <= cycles {
			continue
		}
		entry := int(p.atomicU64(abi.CtxEntry))
		name, lib := p.entryName(entry)
		out := *res
		out.Violation = &backend.Violation{Kind: "call-budget", Domain: lib, Address: uint64(entry),
			Detail:   fmt.Sprintf("the call to %s ran longer than its %v budget: aborted", name, budget),
			CaughtBy: "host watchdog (the workload's process was ended)"}
		json.NewEncoder(os.NewFile(3, "result")).Encode(&out)
		os.Exit(0)
	}
}

// entryName names entry index e as library.function, with the library.
func (p *process) entryName(e int) (string, string) {
	for _, x := range p.img.Exports {
		if x.Entry() == e {
			return x.LibName + "." + x.Name, x.LibName
		}
	}
	return fmt.Sprintf("entry %d", e), "unknown"
}
