package hostsys

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Scope says who shares a futex word, which decides the futex operations
// used on it.
type Scope int

// The scopes of a futex word.
const (
	// Private: threads of this process only (FUTEX_WAIT_PRIVATE,
	// FUTEX_WAKE_PRIVATE: the kernel keys the word by its address).
	Private Scope = iota
	// Shared: any process that maps the word (FUTEX_WAIT, FUTEX_WAKE:
	// the kernel keys it by the page it lies in).
	Shared
)

// Futex operations (linux/futex.h).
const (
	futexWait        = 0
	futexWake        = 1
	futexPrivateFlag = 128
)

// Forever is Wait's timeout for a wait with no time limit. It is no
// duration arithmetic can give: a limit computed from a caller's number
// (0 included) stays a limit.
const Forever time.Duration = -1 << 63

// All is Wake's count that wakes every waiter.
const All = 1 << 30

func (s Scope) op(op uintptr) uintptr {
	if s == Private {
		return op | futexPrivateFlag
	}
	return op
}

// Wait sleeps while *word holds val, at most d (0 or less: it only
// checks the word; Forever: no limit): one
// futex(2) FUTEX_WAIT call, private or not as s says. It returns nil when
// woken (or woken spuriously), unix.EAGAIN when the word did not hold
// val, unix.ETIMEDOUT when d passed and unix.EINTR on a signal.
func (s Scope) Wait(word *uint32, val uint32, d time.Duration) error {
	var ts uintptr
	if d != Forever {
		t := unix.NsecToTimespec(max(d, 0).Nanoseconds())
		ts = uintptr(unsafe.Pointer(&t))
	}
	if _, _, errno := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), s.op(futexWait), uintptr(val), ts, 0, 0); errno != 0 {
		return errno
	}
	return nil
}

// Wake wakes up to n of the threads sleeping on word (All: every one):
// one futex(2) FUTEX_WAKE call, private or not as s says. It returns how
// many it woke.
func (s Scope) Wake(word *uint32, n int) int {
	r, _, errno := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), s.op(futexWake), uintptr(n), 0, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(r)
}

// Word is the 32-bit word at b[off:off+4], for a futex on memory that is
// a byte slice (a shared mapping). It panics, as an index out of range
// does, where the word is not all inside b.
func Word(b []byte, off int) *uint32 {
	_ = b[off+3]
	return (*uint32)(unsafe.Pointer(&b[off]))
}
