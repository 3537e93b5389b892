package hostproc

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// load64 and load32 read a word that another process writes.
func load64(b []byte, off int) uint64 { return atomic.LoadUint64((*uint64)(unsafe.Pointer(&b[off]))) }
func load32(b []byte, off int) uint32 { return atomic.LoadUint32((*uint32)(unsafe.Pointer(&b[off]))) }

// store32 and store64 write a word that another process reads.
func store32(b []byte, off int, v uint32) { atomic.StoreUint32((*uint32)(unsafe.Pointer(&b[off])), v) }
func store64(b []byte, off int, v uint64) { atomic.StoreUint64((*uint64)(unsafe.Pointer(&b[off])), v) }

// mapSharedOver maps size bytes of f at off over b[at:], in place.
func mapSharedOver(b []byte, at int, f uintptr, off, size uint64) error {
	addr := uintptr(unsafe.Pointer(&b[at]))
	r, _, errno := unix.Syscall6(unix.SYS_MMAP, addr, uintptr(size), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_SHARED|unix.MAP_FIXED, f, uintptr(off))
	if errno != 0 {
		return errno
	}
	if r != addr {
		return unix.EINVAL
	}
	return nil
}

// ptraceSiginfo is the siginfo of the signal that stopped the tracee pid.
func ptraceSiginfo(pid int) ([128]byte, error) {
	var si [128]byte
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(pid), 0, uintptr(unsafe.Pointer(&si[0])), 0, 0)
	if errno != 0 {
		return si, errno
	}
	return si, nil
}

// sockFilterBytes is the filter as the loader's plan carries it.
func sockFilterBytes(f []unix.SockFilter) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(f)*int(unsafe.Sizeof(f[0])))
}
