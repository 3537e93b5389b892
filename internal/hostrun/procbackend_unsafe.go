package hostrun

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// futexWake wakes the waiters on the first word of page.
func futexWake(page []byte) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&page[0])), 1 /* FUTEX_WAKE */, 1<<30, 0, 0, 0)
}
