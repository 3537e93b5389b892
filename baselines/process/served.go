package process

import (
	"fmt"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/caps"
	"plib/internal/abi"
	"plib/internal/callbudget"
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

// begun is when the call began, as far as the supervisor can tell: the
// slot's start word, but never before the last look that saw no such call
// nor after the first look that saw it.
func (c servedCall) begun(start uint64) uint64 {
	return min(max(start, c.floor), c.firstSeen)
}

// overrun says whether a call open for age is blamed now under budget,
// own being the part of age since the supervisor last saw it wait on
// another instance's lock whose holder has a call open (all of age if it
// never did). While the holder's call is open and timed (holderOpen) the
// waiter is not blamed: that call is timed by its own supervisor, which
// blames the holder when it overruns, and stopping it may take a loaded
// machine a while; once it is over the waiter has a budget of its own to
// finish in. No call is excused past holderCap budgets. A call
// from another library gets a grace of two looks, since its caller's own
// call (older, and timed by the caller's supervisor) is past the budget
// first and is the one blamed, as under the other backends; a call that
// waits on another live instance's lock with no call open gets
// backend.HolderGrace (waitsOnHolder).
func overrun(age, own, budget, grace time.Duration, fromLibrary, holderOpen, waitsOnHolder bool) bool {
	switch {
	case age > holderCap*budget:
		return true
	case holderOpen, own <= budget, waitsOnHolder:
		return false
	case fromLibrary:
		return own > budget+grace
	}
	return true
}

// holderCap bounds, in budgets, how long any call may be open: waiting
// on a holder excuses a call at most this long, so no arrangement of
// excuses (calls whose waits race each other) keeps a call from its
// verdict, and a holder that is stopped for its own overrun has the rest
// of it to go.
const holderCap = 4

// holderOpen says whether the call this process serves waits on the
// lock of another instance whose same library has a call open (the lock
// lives in that library's data, so only a call of it holds it): the waiter
// heard from plib_app_alive within half a budget that the holder runs
// (the platform's record), and the holder's supervisor says its call is
// open and timed, not itself excused (the open-call words): a call that
// waits excuses no one, so two calls waiting on each other's locks are
// not both excused. The application can write neither.
func (s *splitSupervision) holderOpen(p *hostproc.Supervised, budget time.Duration) bool {
	app, ok := p.Platform().Holder(budget / 2)
	return ok && app != p.App() && s.openCalls.Timed(app, p.Lib())
}

// watchServed ends the run of the library this process serves when a call
// it serves runs past the budget, naming the library and the entry, and
// says whether it did.
func (s *splitSupervision) watchServed(p *hostproc.Supervised, budget time.Duration) (blamed bool) {
	lib := p.Image().Domains[p.Lib()]
	slot := lib.Slot()
	tick := callbudget.Tick(budget)
	var seen servedCall
	var excused uint64 // TSC of the last look that saw the call wait on an open holder
	open, last := false, hostproc.TSC()
	callbudget.Watch(p.Done(), budget, func() bool {
		now := hostproc.TSC()
		n := p.Word(slot + abi.SlotEntries)
		start, entry, whole := p.OpenCall(lib.ID)
		if start == 0 {
			s.openCalls.Set(p.App(), lib.ID, backend.CallNone)
			open, last = false, now
			return false
		}
		if !open || seen.calls != n {
			seen, open, excused = servedCall{calls: n, firstSeen: now, floor: last}, true, 0
		}
		last = now
		if !whole || p.Word(slot+abi.SlotEntries) != n {
			return false // caught between two of the gate's stores: look again next time
		}
		ns := func(from uint64) time.Duration { return time.Duration(float64(now-from) / caps.TSCHz() * 1e9) }
		began := seen.begun(start)
		held := s.holderOpen(p, budget)
		state := backend.CallTimed
		if held {
			excused, state = now, backend.CallExcused
		}
		s.openCalls.Set(p.App(), lib.ID, state)
		age, own := ns(began), ns(max(began, excused))
		fromLibrary := p.Word(slot+abi.SlotCaller) != 0
		if !overrun(age, own, budget, 2*tick, fromLibrary, held, backend.HolderGrace(p.Platform(), age, budget)) {
			return false
		}
		// The word stays set: a waiter on this instance's lock is not
		// blamed while this instance is stopped for it.
		s.openCalls.Set(p.App(), lib.ID, backend.CallTimed)
		p.Stop(callbudget.Violation(p.Image(), entry, budget,
			fmt.Sprintf("the supervisor of library %s's process, from its trusted slot (the process was ended)", lib.Name)))
		blamed = true
		return true
	})
	return blamed
}
