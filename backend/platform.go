package backend

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend/nic"
	"plib/image"
	"plib/internal/abi"
)

// Limits on platform-call arguments.
const (
	MaxPrint      = 64 << 10 // bytes in one print
	MaxNameLen    = 64       // bytes in a metric or parameter name
	MaxMetrics    = 4096     // metrics in one run
	MaxOutputSize = 1 << 20  // printed bytes kept per run
)

// Memory reads guest memory as the calling domain sees it; it fails for
// an address the domain cannot read (another domain's page, nothing).
type Memory interface {
	Read(addr uint64, n uint64) ([]byte, error)
}

// Stop tells the caller to end the run: the workload exited with Code
// (Violation nil), or did something that ends it (a Violation).
type Stop struct {
	Code      int64
	Violation *Violation
}

// Platform carries out platform calls (exit, print, metric, param) the
// same way for every backend, and accumulates their effects in a Result.
type Platform struct {
	Result *Result
	Params map[string]int64
	Output io.Writer
	// Entry names an entry index ("lib.fn") and its library, for reports.
	Entry func(int) (name, lib string)
	// Scribble starts (n > 0) or stops (n == 0) the backend's thread
	// that keeps rewriting [addr, addr+n) of the application's memory
	// (plib_scribble); nil where the backend has none. The range is
	// checked against the image before it is called.
	Scribble func(addr, n uint64) error
	// Image is the running image, for the checks platform calls need.
	Image *image.Image
	// AppAlive says whether an application instance still runs
	// (plib_app_alive); nil where the run has one instance.
	AppAlive func(app int) bool
	// NIC serves the paravirtual NIC's platform calls (backend/nic);
	// nil where the run has no shared data (one instance): they return -1.
	NIC *nic.Link
	// App is the application instance this platform serves (PLIB_APPS).
	App     int
	printed int
	// heldBy records the last time (UnixNano) a library heard from
	// plib_app_alive that another instance, heldByApp, still runs.
	heldBy, heldByApp atomic.Int64
}

// WaitsOnHolder reports whether, within the last `within`, a library
// asked plib_app_alive about another application instance and heard that
// it still runs: what the lock of plib_lock.h does, and only does, while
// another instance holds the lock. Only the supervisor writes what this
// reads: the answer came from the liveness page.
func (p *Platform) WaitsOnHolder(within time.Duration) bool {
	at := p.heldBy.Load()
	return at != 0 && time.Since(time.Unix(0, at)) <= within
}

// Holder is the instance a library last heard, within the last
// `within`, still runs while it waited on that instance's lock (see
// WaitsOnHolder).
func (p *Platform) Holder(within time.Duration) (app int, ok bool) {
	if p == nil || !p.WaitsOnHolder(within) {
		return 0, false
	}
	return int(p.heldByApp.Load()), true
}

// HolderGrace says whether a call-budget watchdog lets a call open for
// age (past budget) run on: a call that waits on another instance's lock
// (WaitsOnHolder within half a budget) is owed one more budget, in which
// the holder's own older call is stopped and blamed and the waiter takes
// the lock over, as plib_lock.h does with a holder that is gone. Beyond
// two budgets nothing excuses a call.
func HolderGrace(p *Platform, age, budget time.Duration) bool {
	return p != nil && age <= 2*budget && p.WaitsOnHolder(budget/2)
}

// Call carries out platform call nr made by domain with arguments a0..a2.
// It returns the value handed back to the guest, or a Stop.
func (p *Platform) Call(domain string, nr, a0, a1, a2 uint64, mem Memory, rip uint64) (uint64, *Stop) {
	violation := func(format string, args ...any) *Stop {
		return &Stop{Violation: &Violation{Kind: ViolationPlatform, Domain: domain, RIP: rip, Address: a0,
			Detail: fmt.Sprintf(format, args...), Catcher: CatcherPlatform, CaughtBy: "platform-call validation"}}
	}
	switch nr {
	case abi.SysNop:
		return 0, nil
	case abi.SysExit:
		return 0, &Stop{Code: int64(a0)}
	case abi.SysPrint:
		if a1 > MaxPrint {
			return 0, violation("print of %d bytes: at most %d allowed", a1, MaxPrint)
		}
		b, err := mem.Read(a0, a1)
		if err != nil {
			return 0, violation("print buffer [%#x, +%d): %v", a0, a1, err)
		}
		if p.Output != nil && p.printed < MaxOutputSize {
			p.printed += len(b)
			p.Output.Write(b)
		}
		return 0, nil
	case abi.SysMetric, abi.SysParam:
		if a1 == 0 || a1 > MaxNameLen {
			return 0, violation("name length %d: must be 1..%d", a1, MaxNameLen)
		}
		b, err := mem.Read(a0, a1)
		if err != nil {
			return 0, violation("name [%#x, +%d): %v", a0, a1, err)
		}
		name := string(b)
		if nr == abi.SysParam {
			if v, ok := p.Params[name]; ok {
				return uint64(v), nil
			}
			return a2, nil
		}
		if len(p.Result.Metrics) >= MaxMetrics {
			return 0, violation("more than %d metrics", MaxMetrics)
		}
		p.Result.Metrics = append(p.Result.Metrics, Metric{Name: name, Value: int64(a2), Domain: domain})
		return 0, nil
	case abi.SysGateFault:
		reason := map[uint64]string{abi.GateBadEntry: "entry index out of range or not exported",
			abi.GateBadView:   "gate entered past its check: the view does not match the entry",
			abi.GateReentry:   "a library with a call outstanding was called again (its stack is in use)",
			abi.GateBadReturn: "a return into a library view that made no call",
			// No gate reports a budget any more (every watchdog is the
			// supervisor's): this is the caller's own claim, a fault of
			// the caller's, never a verdict on a library.
			abi.GateBudget: "the caller claimed a library ran past its budget (only the supervisor times calls)"}[a0]
		if reason == "" {
			reason = fmt.Sprintf("reason %d", a0)
		}
		v := &Violation{Kind: ViolationGate, Domain: domain, RIP: rip, Detail: reason, Catcher: CatcherGate, CaughtBy: "gate check"}
		if a0 == abi.GateBadEntry {
			// a1 is the entry asked for, a2 the return address on the
			// caller's stack (its own word: it only words the report).
			v.Address = a1
			v.Detail = fmt.Sprintf("%s: entry %d (library %d, function %d), called from %#x", reason, int64(a1), a1/abi.MaxFuncs, a1%abi.MaxFuncs, a2)
			if a1 < abi.MaxDomains*abi.MaxFuncs && p.Entry != nil {
				if name, _ := p.Entry(int(a1)); name != "" {
					v.Detail += "; the image names it " + name
				}
			}
		}
		return 0, &Stop{Violation: v}
	}
	if nr == abi.SysClock {
		// The host's clocks, read here so that every domain of a run (and
		// every process of one) sees one monotonic clock.
		var ts unix.Timespec
		switch {
		case a0 == abi.ClockRealtime && unix.ClockGettime(unix.CLOCK_REALTIME, &ts) == nil,
			a0 == abi.ClockMonotonic && unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) == nil:
			return uint64(ts.Nano()), nil
		}
		return ^uint64(0), nil
	}
	if nr == abi.SysAppAlive {
		switch {
		case p.AppAlive != nil && a0 < abi.MaxApps:
			if p.AppAlive(int(a0)) {
				if int(a0) != p.App && domain != image.AppName {
					p.heldByApp.Store(int64(a0))
					p.heldBy.Store(time.Now().UnixNano())
				}
				return 1, nil
			}
			return 0, nil
		case p.AppAlive == nil && a0 == 0:
			return 1, nil // the only instance: the caller's own
		}
		return ^uint64(0), nil
	}
	if nr >= abi.SysNicAttach && nr <= abi.SysNicWake {
		if p.NIC == nil {
			return ^uint64(0), nil
		}
		return p.NIC.Call(domain, nr, a0, a1), nil
	}
	if nr == abi.SysScribble {
		switch {
		case p.Scribble == nil:
			return ^uint64(0), nil // -1: this backend has no thread to do it
		case a1 == 0:
			p.Scribble(0, 0) // stopping cannot fail
			return 0, nil
		case a1 > abi.ScribbleMax || p.Image == nil || !p.Image.AppWritable(a0, a1):
			return 0, violation("scribble [%#x, +%d): only up to %d bytes of the application's own writable memory", a0, a1, abi.ScribbleMax)
		}
		if err := p.Scribble(a0, a1); err != nil {
			return 0, violation("scribble [%#x, +%d): %v", a0, a1, err)
		}
		return 0, nil
	}
	return 0, violation("unknown platform call %d", nr)
}
