package hostrun

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"plib/internal/abi"
	"plib/internal/caps"
)

// WaitPolicy is how the process backend's two sides wait for each other:
// a caller for its call's result, an idle library for the next call.
type WaitPolicy int

// The wait policies.
const (
	// Spin: spin on the shared word (with PAUSE) for at most a bound,
	// then sleep on the futex. The default.
	Spin WaitPolicy = iota
	// Sleep: sleep on the futex at once (a wake-up per call each way).
	Sleep
)

func (w WaitPolicy) String() string {
	if w == Sleep {
		return "sleep"
	}
	return "spin"
}

// WaitEnv chooses the process backend's wait policy for now.
const WaitEnv = "PLIB_PROCESS_WAIT"

// ProcessWait is the wait policy PLIB_PROCESS_WAIT asks for: spin (or
// unset) or sleep.
func ProcessWait() (WaitPolicy, error) {
	switch v := strings.TrimSpace(os.Getenv(WaitEnv)); v {
	case "", "spin":
		return Spin, nil
	case "sleep":
		return Sleep, nil
	default:
		return Spin, fmt.Errorf("%s=%q: want spin or sleep", WaitEnv, v)
	}
}

// Words of the request and doorbell pages beyond plib_abi.h's (see
// guestlib/trusted/gate_process.S), and the header word of the bound.
const (
	hdrSpin    = abi.HdrBudget + 8
	reqFast    = 0x40
	reqSlow    = 0x48
	bellAsleep = 4
)

var spinOnce struct {
	sync.Once
	cycles uint64
	rtt    time.Duration
}

// spinBound is how long a waiting side spins before it sleeps, in TSC
// cycles: as long as a futex round trip between two threads takes here,
// measured once (the median of 200). Sleeping costs about that much, so
// spinning up to it never costs more than twice the better choice made
// in hindsight (the classic bound for spin-then-block), however long the
// other side takes. A call budget caps it at a quarter of the budget.
func spinBound(budget time.Duration) (uint64, time.Duration) {
	spinOnce.Do(func() {
		spinOnce.rtt = futexRoundTrip(200)
		spinOnce.cycles = uint64(spinOnce.rtt.Seconds() * caps.TSCHz())
	})
	c := spinOnce.cycles
	if budget > 0 {
		c = min(c, uint64(budget.Seconds()*caps.TSCHz()/4))
	}
	return max(c, 1), spinOnce.rtt
}

// futexRoundTrip measures n futex ping-pongs between two OS threads,
// each held on a core of its own where there are two (a wake-up across
// cores is what the processes' calls pay, and what costs most on a
// virtual machine, whose idle cores halt), and returns the median.
func futexRoundTrip(n int) time.Duration {
	page := make([]byte, abi.PageSize)
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
			for v := load32(page, 0); v != 1; v = load32(page, 0) {
				futexWaitShared(page, 0, v, 10*time.Millisecond)
			}
			store32(page, 0, 2)
			futexWakeShared(page, 0)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer pin(0)()
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		store32(page, 0, 1)
		futexWakeShared(page, 0)
		for load32(page, 0) != 2 {
			futexWaitShared(page, 0, 1, 10*time.Millisecond)
		}
		times = append(times, time.Since(t))
		store32(page, 0, 0)
	}
	<-done
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[n/2]
}
