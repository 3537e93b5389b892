package hostsys

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Pin holds thread tid (0: the calling thread; a process's first
// thread's id is the process's) on core cpu alone.
func Pin(tid, cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(tid, &set); err != nil {
		who := fmt.Sprintf("thread %d", tid)
		if tid == 0 {
			who = "this thread"
		}
		return fmt.Errorf("hold %s on core %d: %w", who, cpu, err)
	}
	return nil
}

// PinThread holds the calling thread on core cpu until restore gives it
// back the cores it had. The caller's goroutine must be locked to its
// thread (runtime.LockOSThread) until then, or the pinning would follow
// whichever goroutine the thread runs next.
func PinThread(cpu int) (restore func(), err error) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, fmt.Errorf("read this thread's cores: %w", err)
	}
	if err := Pin(0, cpu); err != nil {
		return nil, err
	}
	return func() { unix.SchedSetaffinity(0, &old) }, nil
}

// Apart holds the calling (locked) thread on the k-th (0 or 1) of the
// first two cores it may use, until the returned function gives it back
// its cores: two threads calling it with k 0 and 1 run on cores of their
// own. Where the thread may use fewer than two cores, or its cores cannot
// be read or set, it leaves the thread as it is.
func Apart(k int) func() {
	ids, err := UsableCores()
	if err != nil || len(ids) < 2 || k < 0 || k > 1 {
		return func() {}
	}
	restore, err := PinThread(ids[k])
	if err != nil {
		return func() {}
	}
	return restore
}
