package spinwait

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"plib/internal/hostsys"
)

// The partner's states in a wake measurement.
const (
	wakeIdle   = 0 // not yet waiting
	wakeArmed  = 1 // about to sleep on the word
	wakeRung   = 2 // the measurer stored the wake and rang
	wakeWoken  = 3 // the partner ran again and took its time
	wakeFinish = 4 // no more rounds
)

// wakeLatencies measures n one-way futex wake-ups of a thread that is
// certainly asleep: the partner thread, on a core of its own where there
// are two, announces that it is about to sleep; the measurer waits until
// the kernel shows the partner's thread sleeping (its state in
// /proc/thread-self's sibling task file is S) and a settle time has
// passed, so that its core has gone idle, then stores the word, rings it
// and notes the time; the partner notes the time it runs again. A round
// whose partner never showed asleep (it was preempted, or the clock
// moved) is not a wake-up and is skipped rather than counted, so a busy
// machine cannot make a wake-up look free. It returns the wake-ups
// measured (at most n) and how many rounds were skipped.
func wakeLatencies(n int, settle time.Duration) (lat []time.Duration, skipped int, err error) {
	var w uint32
	word := wordOf{&w}
	var rungAt, wokenAt atomic.Int64
	tid := make(chan int, 1)
	done := make(chan struct{})
	start := time.Now()
	since := func() int64 { return int64(time.Since(start)) }
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer hostsys.Apart(1)()
		defer close(done)
		tid <- unix.Gettid()
		for {
			for word.Load() != wakeIdle {
				if word.Load() == wakeFinish {
					return
				}
				runtime.Gosched()
			}
			word.Store(wakeArmed)
			for v := word.Load(); v == wakeArmed; v = word.Load() {
				hostsys.Private.Wait(word.p, v, 100*time.Millisecond)
			}
			if word.Load() == wakeFinish {
				return
			}
			wokenAt.Store(since())
			word.Store(wakeWoken)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer hostsys.Apart(0)()
	stat := fmt.Sprintf("/proc/self/task/%d/stat", <-tid)
	defer func() { word.Store(wakeFinish); hostsys.Private.Wake(word.p, 1); <-done }()
	for round := 0; len(lat) < n && round < 4*n; round++ {
		for word.Load() != wakeArmed { // it gets there, however busy the machine
			runtime.Gosched()
		}
		deadline := time.Now().Add(50 * time.Millisecond)
		asleep := false
		for !asleep && time.Now().Before(deadline) {
			s, err := sleeping(stat)
			if err != nil {
				return nil, skipped, err
			}
			asleep = s
		}
		if asleep {
			time.Sleep(settle) // the partner's core goes idle, as a parked vCPU's does
			asleep, _ = sleeping(stat)
		}
		rungAt.Store(since())
		word.Store(wakeRung)
		hostsys.Private.Wake(word.p, 1)
		for word.Load() != wakeWoken { // the ringer carries on, as a serve loop does
		}
		if !asleep {
			skipped++
		} else {
			lat = append(lat, time.Duration(wokenAt.Load()-rungAt.Load()))
		}
		word.Store(wakeIdle)
	}
	return lat, skipped, nil
}

// sleeping says whether the task whose stat file is path is asleep
// (state S: interruptible sleep, where a futex wait is).
func sleeping(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("wake-up measurement: %w", err)
	}
	// "tid (comm) S ...": the state follows the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false, fmt.Errorf("wake-up measurement: %s: no state field", path)
	}
	return b[i+2] == 'S', nil
}

// wordOf is a futex word read and written atomically.
type wordOf struct{ p *uint32 }

func (w wordOf) Load() uint32   { return atomic.LoadUint32(w.p) }
func (w wordOf) Store(v uint32) { atomic.StoreUint32(w.p, v) }

// futexRoundTrip measures n futex ping-pongs between two OS threads,
// each held on a core of its own where there are two, and returns the
// median: the fallback where no sleeper can be seen.
func futexRoundTrip(n int) time.Duration {
	var word uint32
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer hostsys.Apart(1)()
		defer close(done)
		for i := 0; i < n; i++ {
			for v := atomic.LoadUint32(&word); v != 1; v = atomic.LoadUint32(&word) {
				hostsys.Private.Wait(&word, v, 10*time.Millisecond)
			}
			atomic.StoreUint32(&word, 2)
			hostsys.Private.Wake(&word, 1)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer hostsys.Apart(0)()
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		atomic.StoreUint32(&word, 1)
		hostsys.Private.Wake(&word, 1)
		for atomic.LoadUint32(&word) != 2 {
			hostsys.Private.Wait(&word, 1, 10*time.Millisecond)
		}
		times = append(times, time.Since(t))
		atomic.StoreUint32(&word, 0)
	}
	<-done
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[n/2]
}
