package nic

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Shared (not private) futex operations: the words live in a file that
// several processes map (the supervisors, the VMM, the device).
const (
	futexWait = 0
	futexWake = 1
)

// futexWaitOn sleeps while the word at b[off] is val, at most d.
func futexWaitOn(b []byte, off int, val uint32, d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&b[off])), futexWait, uintptr(val), uintptr(unsafe.Pointer(&ts)), 0, 0)
}

// futexWakeAll wakes every sleeper on the word at b[off].
func futexWakeAll(b []byte, off int) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&b[off])), futexWake, 1<<30, 0, 0, 0)
}
