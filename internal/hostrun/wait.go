package hostrun

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/internal/abi"
	"plib/internal/caps"
)

// WaitPlan is how a run of the process backend waits and where its
// processes run: the policy, the cores, the spin bound and the floor it
// sets.
type WaitPlan struct {
	Policy  backend.WaitPolicy // WaitSpin or WaitSleep, never WaitAuto
	AppCore int                // the application's process runs here
	LibCore int                // every library's process runs here
	Why     string             // why auto chose this, if it did
}

// usableCores lists the cores this process may run on.
func usableCores() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var ids []int
	for i := 0; i < 1024; i++ {
		if set.IsSet(i) {
			ids = append(ids, i)
		}
	}
	return ids
}

// PlanWait resolves a wait policy on this machine: spin puts the
// application's process and the libraries' on cores of their own (a side
// spinning on the core the other needs only delays it), sleep puts them
// on one core (a wake-up on the same core costs least). Spin on a machine
// with one usable core is unavailable; auto then sleeps, and says so.
func PlanWait(w backend.WaitPolicy) (WaitPlan, error) {
	cores := usableCores()
	if len(cores) == 0 {
		cores = []int{0}
	}
	switch w {
	case backend.WaitSpin:
		if len(cores) < 2 {
			return WaitPlan{}, fmt.Errorf("%w: --wait=spin needs two cores, one per side; this process may use one (%v)", backend.ErrUnavailable, cores)
		}
		return WaitPlan{Policy: backend.WaitSpin, AppCore: cores[0], LibCore: cores[1]}, nil
	case backend.WaitSleep:
		return WaitPlan{Policy: backend.WaitSleep, AppCore: cores[0], LibCore: cores[0]}, nil
	}
	if len(cores) < 2 {
		return WaitPlan{Policy: backend.WaitSleep, AppCore: cores[0], LibCore: cores[0],
			Why: "auto chose sleep: one usable core, nothing to spin on"}, nil
	}
	return WaitPlan{Policy: backend.WaitSpin, AppCore: cores[0], LibCore: cores[1],
		Why: "auto chose spin: a core for each side"}, nil
}

// Switch describes the plan as a mechanism's switch.
func (p WaitPlan) Switch() string {
	if p.Policy == backend.WaitSleep {
		return fmt.Sprintf("IPC: shared request page; futex wake-ups each way (--wait=sleep; app and libraries on core %d)", p.AppCore)
	}
	return fmt.Sprintf("IPC: shared request page; bounded spin on the shared words, then futex wake-ups (--wait=spin; app on core %d, libraries on core %d)", p.AppCore, p.LibCore)
}

// Floor is what one call cannot avoid under the plan: a round trip
// through shared memory across two cores (spin), or a futex round trip on
// one core (sleep).
func (p WaitPlan) Floor() *backend.Floor {
	if p.Policy == backend.WaitSleep {
		return &backend.Floor{Anchor: "futex-1core", Times: 1, What: "a futex round trip between two threads on one core"}
	}
	return &backend.Floor{Anchor: "spin", Times: 1, What: "a shared-memory round trip between two cores"}
}

// Words of the request and doorbell pages and the header word of the
// bound (plib_abi.h; see guestlib/trusted/gate_process.S).
const (
	hdrSpin    = abi.HdrSpin
	reqFast    = abi.ReqFast
	reqSlow    = abi.ReqSlow
	bellAsleep = abi.BellAsleep
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
