package compare

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"plib/caps"
)

// Anchor is a reference cost measured on the host in the same run as the
// workloads: each op(n) call carries out n operations.
type Anchor struct {
	Name  string // short name: a chart category and a series' Workload
	Label string // what a reader sees
	// Setup prepares the anchor and returns op and a cleanup; an error
	// makes the anchor unavailable, with that reason.
	Setup func() (op func(n int), cleanup func(), err error)
}

// Anchors are the host-side anchors. The empty KVM exit and memcached
// anchors come from the vmfunc and memcached runs (see Run).
var Anchors = []Anchor{
	{Name: "call", Label: "empty function call", Setup: func() (func(int), func(), error) {
		return emptyCalls, func() {}, nil
	}},
	{Name: "getpid", Label: "getpid system call", Setup: func() (func(int), func(), error) {
		return getpids, func() {}, nil
	}},
	{Name: "mprotect", Label: "mprotect pair (close, reopen one page)", Setup: setupMprotect},
	{Name: "futex", Label: "futex ping-pong between two threads (round trip)", Setup: setupFutexPingPong},
	// The floors of the mechanisms (backend.Floor names them).
	{Name: "futex-1core", Label: "futex round trip between two threads on one core", Setup: setupFutexSameCore},
	{Name: "spin", Label: "shared-memory spin round trip across two cores", Setup: setupSpinCrossCore},
	{Name: "kvm-exit-ring0", Label: "empty KVM exit round trip from guest ring 0 (port I/O)", Setup: setupKVMExitRing0},
	{Name: "wrpkru", Label: "WRPKRU (one write of the current rights)", Setup: setupWRPKRU},
}

//go:noinline
func emptyFunction(i int) int { return i }

// emptyCalls makes n calls of a function the compiler may not inline;
// runtime.KeepAlive on their sum keeps the loop's results live, so the
// calls are measured as an application makes them.
func emptyCalls(n int) {
	s := 0
	for i := 0; i < n; i++ {
		s += emptyFunction(i)
	}
	runtime.KeepAlive(s)
}

func getpids(n int) {
	for i := 0; i < n; i++ {
		unix.Getpid()
	}
}

func setupMprotect() (func(int), func(), error) {
	page, err := unix.Mmap(-1, 0, unix.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap a page: %w", err)
	}
	page[0] = 1
	var opErr error
	op := func(n int) {
		for i := 0; i < n; i++ {
			if err := unix.Mprotect(page, unix.PROT_NONE); err != nil && opErr == nil {
				opErr = err
			}
			if err := unix.Mprotect(page, unix.PROT_READ|unix.PROT_WRITE); err != nil && opErr == nil {
				opErr = err
			}
		}
	}
	op(1)
	if opErr != nil {
		unix.Munmap(page)
		return nil, nil, fmt.Errorf("mprotect: %w", opErr)
	}
	return op, func() { unix.Munmap(page) }, nil
}

// Sample is one timed batch: per-operation cycles (TSC) and nanoseconds
// (host monotonic clock).
type Sample struct {
	Cycles, NS float64
}

// Measure times op: one warm-up batch, then samples batches of batch
// operations each. The harness adds two clock reads and two TSC reads per
// batch, amortised over batch operations (see BenchmarkHarnessOverhead).
func Measure(op func(n int), samples, batch int) []Sample {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	op(batch)
	out := make([]Sample, samples)
	for i := range out {
		t0, c0 := time.Now(), caps.Cycles()
		op(batch)
		c1, t1 := caps.Cycles(), time.Now()
		out[i] = Sample{Cycles: float64(c1-c0) / float64(batch), NS: float64(t1.Sub(t0).Nanoseconds()) / float64(batch)}
	}
	return out
}
