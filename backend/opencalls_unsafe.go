package backend

import "unsafe"

// word32 is the 32-bit word at offset off of b (4-byte aligned, in range).
func word32(b []byte, off int) *uint32 {
	return (*uint32)(unsafe.Pointer(&b[off : off+4][0]))
}
