package compare

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Futex operations (linux/futex.h): FUTEX_WAIT and FUTEX_WAKE with
// FUTEX_PRIVATE_FLAG (128), as threads of one process use them.
const (
	futexWaitPrivate = 0 | 128
	futexWakePrivate = 1 | 128
)

// futexWait sleeps while *word == val.
func futexWait(word *uint32, val uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWaitPrivate, uintptr(val), 0, 0, 0)
}

// futexWake wakes one thread sleeping on word.
func futexWake(word *uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWakePrivate, 1, 0, 0, 0)
}

// setupFutexPingPong starts a partner thread: each operation hands a word
// to it (0 -> 1, wake) and waits for it to hand the word back (1 -> 0,
// wake), as a library in its own process answers a request.
func setupFutexPingPong() (func(int), func(), error) {
	if runtime.GOMAXPROCS(0) < 2 {
		return nil, nil, fmt.Errorf("needs two threads running at once (GOMAXPROCS is %d)", runtime.GOMAXPROCS(0))
	}
	var word, stop uint32
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer close(done)
		for {
			for atomic.LoadUint32(&word) == 0 {
				futexWait(&word, 0)
			}
			if atomic.LoadUint32(&stop) != 0 {
				return
			}
			atomic.StoreUint32(&word, 0)
			futexWake(&word)
		}
	}()
	op := func(n int) {
		for i := 0; i < n; i++ {
			atomic.StoreUint32(&word, 1)
			futexWake(&word)
			for atomic.LoadUint32(&word) == 1 {
				futexWait(&word, 1)
			}
		}
	}
	cleanup := func() {
		atomic.StoreUint32(&stop, 1)
		atomic.StoreUint32(&word, 1)
		futexWake(&word)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	return op, cleanup, nil
}
