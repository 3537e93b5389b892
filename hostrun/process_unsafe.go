package hostrun

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmapFixed maps anonymous read-write memory at exactly addr, failing
// rather than replacing anything already mapped there.
func mmapFixed(addr, size uint64) ([]byte, error) {
	r, _, errno := unix.Syscall6(unix.SYS_MMAP, uintptr(addr), uintptr(size),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, ^uintptr(0), 0)
	if errno != 0 {
		return nil, errno
	}
	if r != uintptr(addr) {
		return nil, unix.EEXIST // a kernel without MAP_FIXED_NOREPLACE placed it elsewhere
	}
	// The mapping is not Go memory: reinterpreting the address is safe.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&r))
	return unsafe.Slice((*byte)(p), size), nil
}

func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// atomicU64 reads a switch-context word that the image thread writes.
func (p *process) atomicU64(off int) uint64 {
	return atomic.LoadUint64((*uint64)(unsafe.Pointer(&p.ctx[off])))
}

// perfAttrSize is sizeof(struct perf_event_attr) as x/sys lays it out
// (PERF_ATTR_SIZE_VER7 or later: the version with sigtrap).
const perfAttrSize = unsafe.Sizeof(unix.PerfEventAttr{})
