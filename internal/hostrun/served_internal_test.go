package hostrun

import (
	"testing"
	"time"
)

// TestServedCallTiming: the process supervisor's clock for a served call.
// The slot's start word is the library's to write, so the supervisor
// bounds it by its own looks: never before the last look that saw no
// such call, never after the first look that saw it. A call from another
// library is owed two looks (its caller's older call is blamed first),
// a call waiting on another live instance's lock is not blamed here
// (backend.HolderGrace bounds that), and anything else past the budget is.
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
		age           time.Duration
		fromLibrary   bool
		waitsOnHolder bool
		want          bool
	}{
		{budget, false, false, false},
		{budget + time.Millisecond, false, false, true},
		{budget + 50*time.Millisecond, true, false, false},
		{budget + grace + time.Millisecond, true, false, true},
		{budget + time.Second, false, true, false},
	} {
		if got := overrun(x.age, budget, grace, x.fromLibrary, x.waitsOnHolder); got != x.want {
			t.Errorf("overrun(age %v, from a library %v, waits on a holder %v) = %v, want %v", x.age, x.fromLibrary, x.waitsOnHolder, got, x.want)
		}
	}
}
