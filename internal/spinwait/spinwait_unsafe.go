package spinwait

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// futexWait sleeps while *word == val, at most d (FUTEX_WAIT_PRIVATE).
func futexWait(word *uint32, val uint32, d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), 0|128, uintptr(val), uintptr(unsafe.Pointer(&ts)), 0, 0)
}

// futexWake wakes one thread sleeping on word (FUTEX_WAKE_PRIVATE).
func futexWake(word *uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(word)), 1|128, 1, 0, 0, 0)
}
