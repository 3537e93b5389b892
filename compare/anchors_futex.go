package compare

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"plib/internal/hostsys"
)

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
				hostsys.Private.Wait(&word, 0, hostsys.Forever)
			}
			if atomic.LoadUint32(&stop) != 0 {
				return
			}
			atomic.StoreUint32(&word, 0)
			hostsys.Private.Wake(&word, 1)
		}
	}()
	op := func(n int) {
		for i := 0; i < n; i++ {
			atomic.StoreUint32(&word, 1)
			hostsys.Private.Wake(&word, 1)
			for atomic.LoadUint32(&word) == 1 {
				hostsys.Private.Wait(&word, 1, hostsys.Forever)
			}
		}
	}
	cleanup := func() {
		atomic.StoreUint32(&stop, 1)
		atomic.StoreUint32(&word, 1)
		hostsys.Private.Wake(&word, 1)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	return op, cleanup, nil
}
