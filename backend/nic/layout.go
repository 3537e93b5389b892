// Package nic is plib's paravirtual NIC: a device model that drives the
// rings a protected library keeps in its own private data
// (guestlib/include/plib_nic.h). One model serves every backend: it maps
// the file that holds the libraries' shared data (backend.SharedDataFile),
// which the VMM and every host supervisor map too, polls the TX ring and
// fills the RX ring, bridged to a TAP device of the host, and loops back
// frames addressed to the NIC's own MAC. The platform side (Link) serves
// the NIC's platform calls: attach, kick, wait and wake.
package nic

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// The ring, as plib_nic.h lays it out (TestLayoutMatchesC checks it).
const (
	Magic     = 0x3143494e42494c50
	NTX       = 64
	NRX       = 128
	Slot      = 8192
	MTU       = Slot - 14
	HdrMagic  = 0
	HdrNTX    = 8
	HdrNRX    = 12
	HdrSlot   = 16
	HdrMAC    = 24
	TxProd    = 32
	TxCons    = 36
	RxProd    = 40
	RxCons    = 44
	DevSleep  = 48
	Gen       = 52
	Waiters   = 56
	StatTX    = 64
	StatRX    = 72
	StatDrop  = 80
	StatLoop  = 88
	StatWTX   = 96
	StatWRX   = 104
	StatBad   = 112
	Lens      = 4096
	Bufs      = 8192
	RingBytes = Bufs + (NTX+NRX)*Slot
)

// The control page: the last page of the shared-data file, which no
// image maps (the images map only the libraries' ranges before it). The
// platform writes the attach record there and the device reads it.
const (
	ctlSeq  = 0  // u32 futex word: 0 none, 2 being written, 1 attached
	ctlLib  = 4  // u32: the library's domain
	ctlOff  = 8  // u64: the ring's offset in the file
	ctlAddr = 16 // u64: the ring's address in the image
)

// ControlPage is where the control page starts in the shared-data file
// of an image whose shared data is size bytes long.
func ControlPage(size uint64) uint64 { return size }

func word(b []byte, off int) *uint32 { return (*uint32)(unsafe.Pointer(&b[off])) }

func load32(b []byte, off int) uint32     { return atomic.LoadUint32(word(b, off)) }
func store32(b []byte, off int, v uint32) { atomic.StoreUint32(word(b, off), v) }
func add32(b []byte, off int, d uint32) uint32 {
	return atomic.AddUint32(word(b, off), d)
}
func add64(b []byte, off int, d uint64) {
	atomic.AddUint64((*uint64)(unsafe.Pointer(&b[off])), d)
}
func get64(b []byte, off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }

func casSeq(b []byte, off int, old, v uint32) bool {
	return atomic.CompareAndSwapUint32(word(b, off), old, v)
}
func put64(b []byte, off int, v uint64) {
	atomic.StoreUint64((*uint64)(unsafe.Pointer(&b[off])), v)
}
