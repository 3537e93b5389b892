package hvmode

import "unsafe"

// sliceAddr is the host virtual address of b's first byte.
func sliceAddr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }
