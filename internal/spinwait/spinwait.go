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
	"plib/caps"
	"plib/internal/hostload"
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
// run up) is worn off by the warm-up, a reading that still drifts or was
// taken on a busy host (quietBusy) is taken again, and the report says
// how busy the host was.
//
// The cost is the median of wakeSamples one-way futex wake-ups of a
// thread the kernel shows asleep, on a core of its own that has been
// idle for wakeSettle, after wakeWarmup such wake-ups dropped. Only
// certain sleepers count: a round-trip ping-pong, as measured before,
// falls into lockstep on a loaded machine (neither side ever sleeps) and
// reads as a few hundred nanoseconds where a real wake-up costs tens of
// microseconds.
func Calibrate() backend.SpinBound {
	once.Do(func() { once.cal = calibrate(wakeLatencies, hostBusy) })
	return once.cal
}

// quietBusy is the share of the host's CPU time, busy over quietWindow
// just before a reading, at or under which the machine counts as quiet.
// How quiet matters more than anything else here: on this two-core VM a
// wake-up read 64-146 µs when the host was idle at the start and 33-44
// µs when other programs kept it busy (the sleeper's core then runs them
// instead of halting, and is woken sooner), in vmm compare and vmm run
// alike.
const (
	quietBusy   = 0.25
	quietWindow = 100 * time.Millisecond
)

// reading is one attempt of a calibration.
type reading struct {
	lat  []time.Duration
	busy float64 // the host's busy share just before it (-1: unknown)
}

// calibrate is Calibrate with the measurement and the host's busy share
// (hostload; -1 where it cannot be read) given. It takes up to wakeTries
// readings until one is steady on a quiet machine, and keeps that one,
// or else the steady one taken on the quietest machine, or else the last.
func calibrate(measure func(n int, settle time.Duration) ([]time.Duration, int, error), busy func() float64) backend.SpinBound {
	hz := caps.TSCHz()
	var got []reading
	var skipped int
	var err error
	for try := 1; try <= wakeTries; try++ {
		b := busy()
		lat, s, e := measure(wakeWarmup+wakeSamples, wakeSettle)
		skipped, err = skipped+s, e
		if err != nil || len(lat) <= wakeWarmup {
			got = nil
			break
		}
		got = append(got, reading{lat[wakeWarmup:], b})
		if steady(lat[wakeWarmup:]) && b <= quietBusy {
			break
		}
	}
	pick, why := len(got)-1, ""
	for i, r := range got {
		if steady(r.lat) && (!steady(got[pick].lat) || r.busy <= got[pick].busy) {
			pick = i
		}
	}
	var lat []time.Duration
	method := fmt.Sprintf("median of one-way futex wake-ups of a thread seen asleep, on a core idle for %v, "+
		"after %d warm-up wake-ups dropped", wakeSettle, wakeWarmup)
	if len(got) > 0 {
		r := got[pick]
		lat = r.lat
		switch {
		case r.busy < 0:
			why = "; the host's load unknown"
		default:
			why = fmt.Sprintf("; the host %.0f%% busy over %v before it", 100*r.busy, quietWindow)
			if r.busy > quietBusy {
				why += fmt.Sprintf(" (not quiet in %d attempts: the quietest taken)", len(got))
			}
		}
		if !steady(r.lat) {
			why += fmt.Sprintf("; not steady in %d attempts (the halves' medians more than %vx apart): the last taken", len(got), steadyRatio)
		} else if pick > 0 {
			why += fmt.Sprintf("; attempt %d of %d", pick+1, len(got))
		}
	}
	cal := backend.SpinBound{Samples: len(lat), Skipped: skipped, TSCHz: hz, Method: method + why}
	if len(lat) == 0 {
		// Without /proc the sleeper cannot be seen: fall back to the
		// round trip, which can only read low (spin less, park more).
		lat = []time.Duration{futexRoundTrip(wakeSamples)}
		cal.Samples, cal.Method = wakeSamples, "median of futex round trips between two cores (no sleeper could be seen: "+errText(err)+")"
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

// hostBusy is the host's busy share over quietWindow (-1: unknown).
func hostBusy() float64 {
	s := hostload.Read(quietWindow)
	if s.Error != "" {
		return -1
	}
	return s.Busy
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
