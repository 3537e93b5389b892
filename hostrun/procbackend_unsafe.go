package hostrun

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapShared maps size bytes of f at offset off to exactly addr.
func mapShared(f *os.File, off, addr, size uint64) error {
	r, _, errno := unix.Syscall6(unix.SYS_MMAP, uintptr(addr), uintptr(size), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_SHARED|unix.MAP_FIXED, f.Fd(), uintptr(off))
	if errno != 0 {
		return errno
	}
	if r != uintptr(addr) {
		return unix.EINVAL
	}
	return nil
}

// futexWake wakes the waiters on the first word of page.
func futexWake(page []byte) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&page[0])), 1 /* FUTEX_WAKE */, 1<<30, 0, 0, 0)
}

// munmapRange unmaps [addr, addr+size) (x/sys's Munmap only takes whole
// mappings it made itself).
func munmapRange(addr, size uint64) error {
	_, _, errno := unix.Syscall(unix.SYS_MUNMAP, uintptr(addr), uintptr(size), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
