package vmm

import "unsafe"

// hostAddr is the host virtual address of guest memory offset off, for
// KVM's memory slots.
func (g *guestMemory) hostAddr(off uint64) uintptr {
	return uintptr(unsafe.Pointer(&g.buf[0])) + uintptr(off)
}

// sharedAddr is the host virtual address of shared-data offset off.
func (g *guestMemory) sharedAddr(off uint64) uintptr {
	return uintptr(unsafe.Pointer(&g.shared[0])) + uintptr(off)
}
