package hostrun

import (
	"fmt"
	"time"

	"plib/internal/abi"
	"plib/internal/callbudget"
	"plib/internal/caps"
)

// The process backend's call budget. A library's process is supervised
// by a process of its own, and that supervisor, not the caller, times
// every call the library serves: the serve loop records each call it
// opens in the library's trusted slot (a call count, the entry it
// checked, the caller and the start), which only the library's process
// maps. The application can neither write it nor skip it, because the
// library opens the record itself before it runs the call, and a call
// from another library is timed the same way.
//
// The supervisor never takes the slot's start on trust alone: it keeps
// when it first saw each call open and when it last saw no such call, so
// a start word that lies (later, to evade the budget) is overruled by its
// own looks, which lag by at most one tick.

// servedCall is what the supervisor has seen of its library's open call.
type servedCall struct {
	calls     uint64 // the slot's call count when it was first seen open
	firstSeen uint64 // TSC of the look that first saw it open
	floor     uint64 // TSC of the last look before that: the call began after it
}

// lockWait is the last time the library's open call asked whether another
// application instance still runs and heard that it does: what the lock
// of plib_lock.h does while another instance holds it.
type lockWait struct {
	calls uint64 // the open call that asked (the slot's count)
	app   int    // the instance asked about (the holder)
	at    uint64 // TSC
}

// overrun says, for a call open from begun to now, whether the supervisor
// blames it now: past the budget, and past any grace it is owed. A call
// from another library gets a grace of two looks, since the caller's own
// call (older, and timed by the caller's supervisor) is past the budget
// first and is the one blamed, as under the other backends; a call that
// waits on a lock another live instance holds is owed up to one more
// budget, in which that holder (whose own call is older) is blamed and
// stopped, and the waiter takes the lock over.
func overrun(now, begun, budget, grace uint64, fromLibrary, waitsOnHolder bool) bool {
	if now < begun || now-begun <= budget {
		return false
	}
	switch {
	case waitsOnHolder:
		return now-begun > 2*budget
	case fromLibrary:
		return now-begun > budget+grace
	}
	return true
}

// watchServed ends the run of the library this process serves when a call
// it serves runs past the budget, naming the library and the entry.
func (r *loaderRun) watchServed(budget time.Duration) {
	lib := r.p.img.Domains[r.p.lib]
	slot := int(lib.Slot() - abi.ImageBase)
	tick := callbudget.Tick(budget)
	grace := uint64((2 * tick).Seconds() * caps.TSCHz())
	recent := uint64((4 * tick).Seconds() * caps.TSCHz())
	var seen servedCall
	open, last := false, tsc()
	callbudget.Watch(r.done, budget, func() bool {
		now := tsc()
		start, n := load64(r.p.mem, slot+abi.SlotStart), load64(r.p.mem, slot+abi.SlotEntries)
		if start == 0 {
			open, last = false, now
			return false
		}
		if !open || seen.calls != n {
			seen, open = servedCall{calls: n, firstSeen: now, floor: last}, true
		}
		last = now
		begun := min(max(start, seen.floor), seen.firstSeen)
		r.mu.Lock()
		w := r.lockWait
		r.mu.Unlock()
		holder := w.calls == n && now-w.at < recent && r.plt.AppAlive != nil && r.plt.AppAlive(w.app)
		if !overrun(now, begun, r.budget, grace, load64(r.p.mem, slot+abi.SlotCaller) != 0, holder) {
			return false
		}
		entry := int(load64(r.p.mem, slot+abi.SlotEntry))
		r.stop(callbudget.Violation(r.p.img, entry, budget,
			fmt.Sprintf("the supervisor of library %s's process, from its trusted slot (the process was ended)", lib.Name)), false, 0)
		return true
	})
}

// noteAlive wraps the platform's plib_app_alive for a process-backend
// library: a "still runs" answer about another instance, asked during an
// open call, marks that call as waiting on that instance (watchServed).
func (r *loaderRun) noteAlive(alive func(int) bool) func(int) bool {
	slot := int(r.p.img.Domains[r.p.lib].Slot() - abi.ImageBase)
	return func(app int) bool {
		a := alive(app)
		if a && load64(r.p.mem, slot+abi.SlotStart) != 0 {
			r.mu.Lock()
			r.lockWait = lockWait{calls: load64(r.p.mem, slot+abi.SlotEntries), app: app, at: tsc()}
			r.mu.Unlock()
		}
		return a
	}
}
