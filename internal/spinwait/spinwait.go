// Package spinwait sets how long a side of a hand-off spins before it
// sleeps: the process backend's processes and the handoff backend's
// vCPUs both wait this way (spin, then sleep), with this bound.
package spinwait

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"plib/backend"
	"plib/internal/caps"
)

// wakeSamples is how many wake-ups a calibration measures, and
// wakeSettle how long a sleeper sleeps before it is woken (long enough
// for its core to go idle, as a parked vCPU's core does). wakeWarmup
// wake-ups are measured first and dropped: the first few dozen after the
// machine sat idle (vmm compare has just watched the host's load for
// 250 ms; a standalone run has just set its machine up) cost more and
// vary: after 1 s idle here, the first 20 read medians of 73-92 µs, single
// ones up to 2.7 ms, against 48 µs for the 140 after them.
// wakeTries bounds the attempts at a steady reading (see steady).
const (
	wakeSamples = 200
	wakeSettle  = 200 * time.Microsecond
	wakeWarmup  = 50
	wakeTries   = 3
)

var once struct {
	sync.Once
	cal backend.SpinBound
}

// Calibrate measures, once per process, what waking a sleeping thread
// costs here, and returns it. vmm compare calls it before it measures
// anything, so that the bound every backend spins with comes from a
// quiet machine, not from one its own runs load; a standalone run calls
// it (through Bound) on its first hand-off. Both take the same reading:
// the machine's state before the calibration (idle, or busy setting a
// run up) is worn off by the warm-up, and a reading that still drifts is
// taken again.
//
// The cost is the median of wakeSamples one-way futex wake-ups of a
// thread the kernel shows asleep, on a core of its own that has been
// idle for wakeSettle, after wakeWarmup such wake-ups dropped. Only
// certain sleepers count: a round-trip ping-pong, as measured before,
// falls into lockstep on a loaded machine (neither side ever sleeps) and
// reads as a few hundred nanoseconds where a real wake-up costs tens of
// microseconds.
func Calibrate() backend.SpinBound {
	once.Do(func() { once.cal = calibrate(wakeLatencies) })
	return once.cal
}

// calibrate is Calibrate with the measurement given.
func calibrate(measure func(n int, settle time.Duration) ([]time.Duration, int, error)) backend.SpinBound {
	hz := caps.TSCHz()
	var lat []time.Duration
	var skipped, try int
	var err error
	for try = 1; try <= wakeTries; try++ {
		var s int
		lat, s, err = measure(wakeWarmup+wakeSamples, wakeSettle)
		skipped += s
		if err != nil || len(lat) <= wakeWarmup {
			break
		}
		lat = lat[wakeWarmup:]
		if steady(lat) {
			break
		}
	}
	cal := backend.SpinBound{Samples: len(lat), Skipped: skipped, TSCHz: hz,
		Method: fmt.Sprintf("median of one-way futex wake-ups of a thread seen asleep, on a core idle for %v, after %d warm-up wake-ups dropped", wakeSettle, wakeWarmup)}
	switch {
	case err != nil || len(lat) == 0:
		// Without /proc the sleeper cannot be seen: fall back to the
		// round trip, which can only read low (spin less, park more).
		lat = []time.Duration{futexRoundTrip(wakeSamples)}
		cal.Samples, cal.Method = wakeSamples, "median of futex round trips between two cores (no sleeper could be seen: "+errText(err)+")"
	case try > wakeTries:
		cal.Method += fmt.Sprintf("; not steady in %d attempts (the halves' medians more than %vx apart): the last taken", wakeTries, steadyRatio)
	case try > 1:
		cal.Method += fmt.Sprintf("; steady on attempt %d", try)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	cal.WakeNS, cal.WakeP25NS, cal.WakeP75NS = float64(q(0.5)), float64(q(0.25)), float64(q(0.75))
	cal.Cycles = max(uint64(cal.WakeNS*hz/1e9), 1)
	return cal
}

// steadyRatio is how far apart the medians of a reading's two halves
// may be for it to count as steady.
const steadyRatio = 1.5

// steady says whether wake-ups lat (in the order measured) held still:
// the medians of their first and second halves within steadyRatio of
// each other. A reading that drifts was taken while the machine changed
// (a warm-up not over, another program starting or ending).
func steady(lat []time.Duration) bool {
	if len(lat) < 2 {
		return true
	}
	median := func(l []time.Duration) float64 {
		l = slices.Clone(l)
		slices.Sort(l)
		return float64(l[len(l)/2])
	}
	a, b := median(lat[:len(lat)/2]), median(lat[len(lat)/2:])
	return a <= steadyRatio*b && b <= steadyRatio*a
}

func errText(err error) string {
	if err == nil {
		return "no sample"
	}
	return err.Error()
}

// Bound is how long a waiting side spins before it sleeps, in TSC cycles,
// and what a wake-up from sleep costs here (Calibrate). Spinning up to
// what sleeping costs never costs more than twice the better choice made
// in hindsight (the classic bound for spin-then-block), however long the
// other side takes. A call budget caps it at a quarter of the budget.
func Bound(budget time.Duration) (cycles uint64, sleep time.Duration) {
	b := For(budget)
	return b.Cycles, time.Duration(b.WakeNS)
}

// For is Calibrate's bound under a call budget: capped at a quarter of
// the budget (Capped says so).
func For(budget time.Duration) backend.SpinBound {
	b := Calibrate()
	if budget > 0 {
		if c := uint64(budget.Seconds() * b.TSCHz / 4); c < b.Cycles {
			b.Cycles, b.Capped = max(c, 1), true
		}
	}
	return b
}
