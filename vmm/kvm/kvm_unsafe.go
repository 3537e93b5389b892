package kvm

import (
	"unsafe"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"golang.org/x/sys/unix"
)

// runHeader is the start of struct kvm_run up to the exit union.
type runHeader struct {
	RequestInterruptWindow uint8
	ImmediateExit          uint8
	_                      [6]uint8
	ExitReason             uint32
	ReadyForInjection      uint8
	IfFlag                 uint8
	Flags                  uint16
	CR8                    uint64
	ApicBase               uint64
}

// Offsets in struct kvm_run (x86).
const (
	runUnionOff     = 32
	runValidRegsOff = 288
	runDirtyRegsOff = 296
	runSyncRegsOff  = 304
)

// SyncRegsArea is the start of struct kvm_sync_regs: the registers KVM
// stores on every exit (kvm_valid_regs) and loads on entry when marked in
// kvm_dirty_regs.
type SyncRegsArea struct {
	Regs  Regs
	Sregs Sregs
}

// Compile-time layout checks against the kernel ABI.
var (
	_ [144 - unsafe.Sizeof(Regs{})]byte
	_ [unsafe.Sizeof(Regs{}) - 144]byte
	_ [312 - unsafe.Sizeof(Sregs{})]byte
	_ [unsafe.Sizeof(Sregs{}) - 312]byte
)

func (c *VCPU) hdr() *runHeader { return (*runHeader)(unsafe.Pointer(&c.run[0])) }

// Run is KVM_RUN. Unlike gokvm's Run it returns EINTR (as unix.EINTR) so
// the caller sees signals and immediate_exit requests.
func (c *VCPU) Run() error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, c.fd.Fd(), gokvm.IIO(0x80), 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// ExitReason is kvm_run.exit_reason of the last exit.
func (c *VCPU) ExitReason() uint32 { return c.hdr().ExitReason }

// SetImmediateExit sets kvm_run.immediate_exit: KVM_RUN returns EINTR at
// once instead of entering the guest.
func (c *VCPU) SetImmediateExit(on bool) {
	v := uint8(0)
	if on {
		v = 1
	}
	c.hdr().ImmediateExit = v
}

// IO decodes kvm_run.io.
func (c *VCPU) IO() IOExit { return *(*IOExit)(unsafe.Pointer(&c.run[runUnionOff])) }

// IOData is the data buffer of an I/O exit (kvm_run + io.data_offset).
func (c *VCPU) IOData(e IOExit) []byte {
	n := uint64(e.Size) * uint64(e.Count)
	if e.Offset >= uint64(len(c.run)) || n > uint64(len(c.run))-e.Offset {
		return nil
	}
	return c.run[e.Offset : e.Offset+n]
}

// MMIO decodes kvm_run.mmio.
func (c *VCPU) MMIO() MMIOExit {
	b := c.run[runUnionOff:]
	e := MMIOExit{
		Addr:    *(*uint64)(unsafe.Pointer(&b[0])),
		Len:     *(*uint32)(unsafe.Pointer(&b[16])),
		IsWrite: b[20] != 0,
	}
	copy(e.Data[:], b[8:16])
	return e
}

// Internal decodes kvm_run.internal.
func (c *VCPU) Internal() InternalExit {
	b := c.run[runUnionOff:]
	e := InternalExit{Suberror: *(*uint32)(unsafe.Pointer(&b[0]))}
	n := *(*uint32)(unsafe.Pointer(&b[4]))
	if n > 16 {
		n = 16
	}
	for i := uint32(0); i < n; i++ {
		e.Data = append(e.Data, *(*uint64)(unsafe.Pointer(&b[8+8*i])))
	}
	return e
}

// SetValidRegs sets kvm_run.kvm_valid_regs: what KVM stores on every exit.
func (c *VCPU) SetValidRegs(mask uint64) {
	*(*uint64)(unsafe.Pointer(&c.run[runValidRegsOff])) = mask
}

// MarkDirty adds to kvm_run.kvm_dirty_regs: what KVM loads on next entry.
func (c *VCPU) MarkDirty(mask uint64) {
	*(*uint64)(unsafe.Pointer(&c.run[runDirtyRegsOff])) |= mask
}

// Sync is the vCPU's sync regs area, valid after an exit when
// SetValidRegs asked for it.
func (c *VCPU) Sync() *SyncRegsArea {
	return (*SyncRegsArea)(unsafe.Pointer(&c.run[runSyncRegsOff]))
}

// cpuidEntry2 is struct kvm_cpuid_entry2.
type cpuidEntry2 struct {
	Function, Index, Flags, EAX, EBX, ECX, EDX uint32
	_                                          [3]uint32
}

// cpuid2 is struct kvm_cpuid2 with room for 256 entries.
type cpuid2 struct {
	Nent    uint32
	_       uint32
	Entries [256]cpuidEntry2
}

func getSupportedCPUID(fd uintptr) (*cpuid2, error) {
	c := &cpuid2{Nent: 256}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, gokvm.IIOWR(0x05, 8), uintptr(unsafe.Pointer(c)))
	if errno != 0 {
		return nil, errno
	}
	return c, nil
}

func setCPUID2(fd uintptr, c *cpuid2) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, gokvm.IIOW(0x90, 8), uintptr(unsafe.Pointer(c)))
	if errno != 0 {
		return errno
	}
	return nil
}

// xcrs is struct kvm_xcrs (gokvm has no KVM_SET_XCRS).
type xcrs struct {
	Nr    uint32
	Flags uint32
	XCRs  [16]struct {
		XCR      uint32
		Reserved uint32
		Value    uint64
	}
	_ [16]uint64
}

func setXCRs(fd uintptr, x *xcrs) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, gokvm.IIOW(0xa7, unsafe.Sizeof(*x)), uintptr(unsafe.Pointer(x)))
	if errno != 0 {
		return errno
	}
	return nil
}

func getXCRs(fd uintptr) (*xcrs, error) {
	x := &xcrs{}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, gokvm.IIOR(0xa6, unsafe.Sizeof(*x)), uintptr(unsafe.Pointer(x)))
	if errno != 0 {
		return nil, errno
	}
	return x, nil
}
