// Package callbudget is the part of the call-budget watchdog every
// backend shares: when a library call is over its budget, how often to
// look, and the violation that ends the run. Each backend keeps its own
// clock and its own way of stopping the guest.
package callbudget

import (
	"fmt"
	"time"

	"plib/backend"
	"plib/image"
)

// Over reports whether a call that started at start (0: no call is
// open) is over budget at now, in any one clock's units. A start after
// now (a clock read on another CPU) is not over.
func Over[T int64 | uint64](start, now, budget T) bool {
	return start != 0 && now >= start && now-start > budget
}

// Tick is how often Watch looks under budget: an eighth of it, from 1 ms
// to 50 ms.
func Tick(budget time.Duration) time.Duration {
	return min(max(budget/8, time.Millisecond), 50*time.Millisecond)
}

// Watch calls over every Tick(budget) until it returns true or done is
// closed.
func Watch(done <-chan struct{}, budget time.Duration, over func() bool) {
	t := time.NewTicker(Tick(budget))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if over() {
				return
			}
		}
	}
}

// Violation is the violation of img's call to entry index entry, stopped
// past budget by caughtBy. The library called is the domain at fault.
func Violation(img *image.Image, entry int, budget time.Duration, caughtBy string) *backend.Violation {
	call, lib := img.EntryName(entry)
	return &backend.Violation{Kind: backend.ViolationBudget, Domain: lib, Address: uint64(entry),
		Detail:  fmt.Sprintf("the call to %s ran longer than its %v budget: aborted", call, budget),
		Catcher: backend.CatcherWatchdog, CaughtBy: caughtBy}
}
