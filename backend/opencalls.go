package backend

import (
	"fmt"
	"os"
	"sync/atomic"

	"plib/internal/abi"

	"golang.org/x/sys/unix"
)

// openCallsBase is where, in the instances' liveness page, the open-call
// words start: one per instance and library, each written only by the
// supervisor that times that library's calls for that instance (a
// CallState). The page lies in no image's reach.
const openCallsBase = 1024

// CallState is what an open-call word says of an instance's call into a
// library.
type CallState uint32

// Call states.
const (
	// CallNone: no call open (or the instance has ended).
	CallNone CallState = iota
	// CallTimed: a call open and timed against the budget, or one its
	// supervisor blamed, until the instance has ended: a call waiting on
	// this one's lock may wait for it.
	CallTimed
	// CallExcused: a call open that is itself excused, waiting on
	// another instance's lock: it excuses no one, so two calls waiting
	// on each other (a lock cycle) do not excuse each other for good.
	CallExcused
)

// openCallWord is the byte offset of instance app's library lib's word.
func openCallWord(app, lib int) int {
	return openCallsBase + 4*(app*abi.MaxDomains+lib)
}

// OpenCalls is the open-call words of the liveness page, mapped to be
// written by one library's supervisor and read for every instance.
type OpenCalls struct {
	b []byte
}

// MapOpenCalls maps the liveness page Run passes in Instance.Alive for
// a supervisor's open-call words, and returns a function that unmaps it.
func MapOpenCalls(f *os.File) (*OpenCalls, func(), error) {
	b, err := unix.Mmap(int(f.Fd()), 0, abi.PageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("map the instances' open calls: %w", err)
	}
	return &OpenCalls{b}, func() { unix.Munmap(b) }, nil
}

// word is the word of instance app's library lib (nil if out of range).
func (o *OpenCalls) word(app, lib int) *uint32 {
	if o == nil || app < 0 || app >= abi.MaxApps || lib < 0 || lib >= abi.MaxDomains {
		return nil
	}
	return word32(o.b, openCallWord(app, lib))
}

// Set records the state of instance app's call into library lib.
func (o *OpenCalls) Set(app, lib int, state CallState) {
	if w := o.word(app, lib); w != nil {
		atomic.StoreUint32(w, uint32(state))
	}
}

// Timed says whether instance app's library lib has a call open that
// its supervisor times (CallTimed; false out of range, or with o nil).
func (o *OpenCalls) Timed(app, lib int) bool {
	w := o.word(app, lib)
	return w != nil && CallState(atomic.LoadUint32(w)) == CallTimed
}

// clearOpenCalls zeroes instance app's words in the liveness page b: it
// has ended, so no call of it is open.
func clearOpenCalls(b []byte, app int) {
	for lib := range abi.MaxDomains {
		if app >= 0 && app < abi.MaxApps {
			atomic.StoreUint32(word32(b, openCallWord(app, lib)), 0)
		}
	}
}
