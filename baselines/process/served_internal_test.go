package process

import (
	"testing"
	"time"
)

// TestServedCallTiming: the process supervisor's clock for a served call.
// The slot's start word is the library's to write, so the supervisor
// bounds it by its own looks: never before the last look that saw no
// such call, never after the first look that saw it. A call from another
// library is owed two looks (its caller's older call is blamed first), a
// call waiting on another instance's lock is not blamed while the
// holder has a call open and timed (the holder's supervisor times that
// one), up to holderCap budgets, and then has a budget of its own, one waiting on a holder with no call
// open is not blamed here (backend.HolderGrace bounds that), and anything
// else past the budget is.
func TestServedCallTiming(t *testing.T) {
	c := servedCall{calls: 7, floor: 1000, firstSeen: 2000}
	for _, x := range []struct{ start, want uint64 }{
		{1500, 1500}, // the slot's word, between the two looks
		{9000, 2000}, // later than the look that saw it open: a lie to evade the budget
		{10, 1000},   // earlier than the look that saw no call
	} {
		if got := c.begun(x.start); got != x.want {
			t.Errorf("begun(start %d) = %d, want %d", x.start, got, x.want)
		}
	}
	const budget, grace = 2 * time.Second, 100 * time.Millisecond
	for _, x := range []struct {
		age, own      time.Duration
		fromLibrary   bool
		holderOpen    bool
		waitsOnHolder bool
		want          bool
	}{
		{budget, budget, false, false, false, false},
		{budget + time.Millisecond, budget + time.Millisecond, false, false, false, true},
		{budget + 50*time.Millisecond, budget + 50*time.Millisecond, true, false, false, false},
		{budget + grace + time.Millisecond, budget + grace + time.Millisecond, true, false, false, true},
		{budget + time.Second, budget + time.Second, false, false, true, false},
		// The holder's call is open and timed: up to holderCap budgets
		// (a loaded machine slow to stop the holder), never past them
		// (calls whose waits race each other).
		{holderCap * budget, holderCap * budget, false, true, false, false},
		{holderCap * budget, holderCap * budget, true, true, false, false},
		{holderCap*budget + time.Millisecond, 0, false, true, false, true},
		{holderCap*budget + time.Millisecond, 0, true, true, true, true},
		// The holder's call is over: a budget from the last look that
		// saw it open, not from the call's start.
		{3 * budget, budget, false, false, false, false},
		{3 * budget, budget + time.Millisecond, false, false, false, true},
		{3 * budget, budget + grace + time.Millisecond, true, false, false, true},
	} {
		if got := overrun(x.age, x.own, budget, grace, x.fromLibrary, x.holderOpen, x.waitsOnHolder); got != x.want {
			t.Errorf("overrun(age %v, own %v, from a library %v, holder open %v, waits on a holder %v) = %v, want %v",
				x.age, x.own, x.fromLibrary, x.holderOpen, x.waitsOnHolder, got, x.want)
		}
	}
}
