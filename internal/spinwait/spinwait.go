// Package spinwait sets how long a side of a hand-off spins before it
// sleeps: the process backend's processes and the handoff backend's
// vCPUs both wait this way (spin, then sleep), with this bound.
package spinwait

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"plib/internal/caps"
)

var once struct {
	sync.Once
	sleep time.Duration
}

// Bound is how long a waiting side spins before it sleeps, in TSC cycles,
// and what sleeping costs here: a futex round trip between two threads
// on cores of their own, measured once (the median of 200). Spinning up
// to what sleeping costs never costs more than twice the better choice
// made in hindsight (the classic bound for spin-then-block), however long
// the other side takes. A call budget caps it at a quarter of the budget.
func Bound(budget time.Duration) (cycles uint64, sleep time.Duration) {
	once.Do(func() { once.sleep = futexRoundTrip(200) })
	c := uint64(once.sleep.Seconds() * caps.TSCHz())
	if budget > 0 {
		c = min(c, uint64(budget.Seconds()*caps.TSCHz()/4))
	}
	return max(c, 1), once.sleep
}

// futexRoundTrip measures n futex ping-pongs between two OS threads,
// each held on a core of its own where there are two (a wake-up across
// cores is what a hand-off pays, and what costs most on a virtual
// machine, whose idle cores halt), and returns the median.
func futexRoundTrip(n int) time.Duration {
	var word uint32
	done := make(chan struct{})
	var cpus unix.CPUSet
	unix.SchedGetaffinity(0, &cpus)
	var ids []int
	for i := 0; i < 1024 && len(ids) < 2; i++ {
		if cpus.IsSet(i) {
			ids = append(ids, i)
		}
	}
	pin := func(k int) func() { // held on core ids[k] until the returned func
		if len(ids) < 2 {
			return func() {}
		}
		var one unix.CPUSet
		one.Set(ids[k])
		unix.SchedSetaffinity(0, &one)
		return func() { unix.SchedSetaffinity(0, &cpus) }
	}
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer pin(1)()
		defer close(done)
		for i := 0; i < n; i++ {
			for v := atomic.LoadUint32(&word); v != 1; v = atomic.LoadUint32(&word) {
				futexWait(&word, v, 10*time.Millisecond)
			}
			atomic.StoreUint32(&word, 2)
			futexWake(&word)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer pin(0)()
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		atomic.StoreUint32(&word, 1)
		futexWake(&word)
		for atomic.LoadUint32(&word) != 2 {
			futexWait(&word, 1, 10*time.Millisecond)
		}
		times = append(times, time.Since(t))
		atomic.StoreUint32(&word, 0)
	}
	<-done
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[n/2]
}
