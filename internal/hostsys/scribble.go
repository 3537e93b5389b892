package hostsys

import "sync/atomic"

// Scribbler rewrites a range of memory from a goroutine of its own, every
// byte over and over with a value that changes each pass, until stopped:
// what a second application thread does to an argument buffer while a
// library call reads it (plib_scribble).
type Scribbler struct {
	stop atomic.Bool
	done chan struct{}
}

// Scribble starts rewriting b. The caller has checked that b is memory
// the application may write.
func Scribble(b []byte) *Scribbler {
	s := &Scribbler{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for v := byte(1); !s.stop.Load(); v++ {
			for i := range b {
				b[i] = v
			}
		}
	}()
	return s
}

// Stop ends the rewriting and returns once the last write is done; a nil
// Scribbler is stopped already.
func (s *Scribbler) Stop() {
	if s == nil {
		return
	}
	s.stop.Store(true)
	<-s.done
}
