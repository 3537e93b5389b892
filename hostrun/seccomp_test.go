package hostrun

import (
	"errors"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"plib/abi"
)

// TestSeccompGuardsTheImageRange installs the filter on a thread of its
// own (which then dies with its goroutine) and tries every forbidden call
// on a page in the image range, then the same calls elsewhere.
func TestSeccompGuardsTheImageRange(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		done <- seccompTrial(t)
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func seccompTrial(t *testing.T) error {
	page, err := mmapFixed(abi.ImageBase+0x1000_0000, 2*abi.PageSize) // inside the image range

	if err != nil {
		return err
	}
	if err := installSeccomp(); err != nil {
		return err
	}
	addr := uintptr(unsafe.Pointer(&page[0]))
	sys := func(nr uintptr, a ...uintptr) error {
		var args [6]uintptr
		copy(args[:], a)
		_, _, errno := unix.Syscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5])
		if errno != 0 {
			return errno
		}
		return nil
	}
	denied := []struct {
		name string
		err  error
	}{
		{"mprotect", sys(unix.SYS_MPROTECT, addr, abi.PageSize, unix.PROT_READ)},
		{"mprotect reaching in from below", sys(unix.SYS_MPROTECT, abi.ImageBase-abi.PageSize, 2*abi.PageSize, unix.PROT_READ)},
		{"pkey_mprotect", sys(unix.SYS_PKEY_MPROTECT, addr, abi.PageSize, unix.PROT_READ, 0)},
		{"munmap", sys(unix.SYS_MUNMAP, addr, abi.PageSize)},
		{"munmap with a huge length", sys(unix.SYS_MUNMAP, abi.ImageBase-abi.PageSize, 1<<40)},
		{"madvise DONTNEED", sys(unix.SYS_MADVISE, addr, abi.PageSize, unix.MADV_DONTNEED)},
		{"mremap", sys(unix.SYS_MREMAP, addr, abi.PageSize, abi.PageSize, 0, 0)},
		{"mremap onto the range", sys(unix.SYS_MREMAP, 0x7000_0000, abi.PageSize, abi.PageSize, unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED, addr)},
		{"mmap MAP_FIXED over it", sys(unix.SYS_MMAP, addr, abi.PageSize, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, ^uintptr(0), 0)},
		{"pkey_free", sys(unix.SYS_PKEY_FREE, 1)},
	}
	for _, d := range denied {
		if !errors.Is(d.err, unix.EPERM) {
			t.Errorf("%s: %v, want EPERM from the filter", d.name, d.err)
		}
	}
	// The rest of the address space still works, as the Go runtime needs.
	other, err := unix.Mmap(-1, 0, abi.PageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return err
	}
	if err := unix.Mprotect(other, unix.PROT_READ); err != nil {
		t.Errorf("mprotect outside the range: %v", err)
	}
	if err := unix.Madvise(other, unix.MADV_DONTNEED); err != nil {
		t.Errorf("madvise outside the range: %v", err)
	}
	if err := unix.Munmap(other); err != nil {
		t.Errorf("munmap outside the range: %v", err)
	}
	page[0] = 1 // still mapped and writable
	return nil
}
