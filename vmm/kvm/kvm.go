// Package kvm is plib's thin typed layer over /dev/kvm: one type per file
// descriptor (System, VM, VCPU), the exit data of kvm_run, sync regs and
// immediate_exit.
//
// It uses github.com/bobuhiro11/gokvm's kvm package for the ioctls it gets
// right (VM and vCPU creation, memory slots, registers, CPUID) and owns the
// rest:
//   - KVM_RUN: gokvm's Run turns EINTR into success, so a caller cannot
//     tell a signal (our stop request, or the Go runtime's preemption
//     signal) from a real exit. VCPU.Run returns EINTR to the caller.
//   - sync regs and immediate_exit: gokvm's RunData has no s.regs area and
//     no accessors; the view switch moves vCPU state through sync regs so
//     that it costs no extra ioctl.
package kvm

import (
	"errors"
	"fmt"
	"os"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"golang.org/x/sys/unix"
)

// Exit reasons (include/uapi/linux/kvm.h).
const (
	ExitUnknown       = 0
	ExitException     = 1
	ExitIO            = 2
	ExitHypercall     = 3
	ExitDebug         = 4
	ExitHLT           = 5
	ExitMMIO          = 6
	ExitShutdown      = 8
	ExitFailEntry     = 9
	ExitIntr          = 10
	ExitInternalError = 17
)

// Internal error suberrors.
const (
	InternalErrorEmulation = 1
)

// IO directions.
const (
	IOIn  = 0
	IOOut = 1
)

// Sync regs masks (KVM_SYNC_X86_*).
const (
	SyncRegs   = 1 << 0
	SyncSregs  = 1 << 1
	SyncEvents = 1 << 2
)

// Capabilities used by plib.
const (
	CapUserMemory    = 3
	CapNRMemSlots    = 10
	CapReadonlyMem   = 81
	CapSyncRegs      = 74
	CapImmediateExit = 136
)

// MemReadonly marks a memory slot read-only for the guest.
const MemReadonly = 1 << 1

// Regs is struct kvm_regs.
type Regs = gokvm.Regs

// Sregs is struct kvm_sregs.
type Sregs = gokvm.Sregs

// Segment is struct kvm_segment.
type Segment = gokvm.Segment

// Descriptor is struct kvm_dtable.
type Descriptor = gokvm.Descriptor

// System is an open /dev/kvm.
type System struct {
	fd       *os.File
	runSize  int
	cpuid    *cpuid2
	cpuidErr error
}

// Open opens /dev/kvm.
func Open() (*System, error) {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/kvm: %w", err)
	}
	s := &System{fd: f}
	n, err := gokvm.GetVCPUMMmapSize(f.Fd())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("KVM_GET_VCPU_MMAP_SIZE: %w", err)
	}
	s.runSize = int(n)
	return s, nil
}

// Close releases /dev/kvm.
func (s *System) Close() error { return s.fd.Close() }

// APIVersion is KVM_GET_API_VERSION.
func (s *System) APIVersion() (int, error) {
	v, err := gokvm.GetAPIVersion(s.fd.Fd())
	return int(v), err
}

// CheckExtension is KVM_CHECK_EXTENSION.
func (s *System) CheckExtension(c int) (int, error) {
	v, err := gokvm.CheckExtension(s.fd.Fd(), gokvm.Capability(c))
	return int(v), err
}

// SupportedCPUID is KVM_GET_SUPPORTED_CPUID, cached. plib owns this call:
// gokvm's CPUID holds 100 entries and current hosts report more (E2BIG).
func (s *System) SupportedCPUID() (*cpuid2, error) {
	if s.cpuid == nil && s.cpuidErr == nil {
		s.cpuid, s.cpuidErr = getSupportedCPUID(s.fd.Fd())
	}
	return s.cpuid, s.cpuidErr
}

// VM is one KVM virtual machine.
type VM struct {
	sys *System
	fd  *os.File
}

// CreateVM is KVM_CREATE_VM.
func (s *System) CreateVM() (*VM, error) {
	// Retried on EINTR: the Go runtime's preemption signal can interrupt
	// the ioctl (seen: "KVM_CREATE_VM: interrupted system call").
	fd, err := gokvm.CreateVM(s.fd.Fd())
	for err != nil && errors.Is(err, unix.EINTR) {
		fd, err = gokvm.CreateVM(s.fd.Fd())
	}
	if err != nil {
		return nil, fmt.Errorf("KVM_CREATE_VM: %w", err)
	}
	return &VM{sys: s, fd: os.NewFile(fd, "kvm-vm")}, nil
}

// Close destroys the VM once its vCPUs are closed.
func (vm *VM) Close() error { return vm.fd.Close() }

// SetMemory is KVM_SET_USER_MEMORY_REGION.
func (vm *VM) SetMemory(slot uint32, flags uint32, gpa, size uint64, host uintptr) error {
	r := &gokvm.UserspaceMemoryRegion{Slot: slot, Flags: flags, GuestPhysAddr: gpa, MemorySize: size, UserspaceAddr: uint64(host)}
	if err := gokvm.SetUserMemoryRegion(vm.fd.Fd(), r); err != nil {
		return fmt.Errorf("KVM_SET_USER_MEMORY_REGION slot %d [%#x, +%#x): %w", slot, gpa, size, err)
	}
	return nil
}

// SetTSSAddr is KVM_SET_TSS_ADDR (needed by Intel hosts).
func (vm *VM) SetTSSAddr(addr uint32) error { return gokvm.SetTSSAddr(vm.fd.Fd(), addr) }

// VCPU is one virtual CPU with its mapped kvm_run area.
type VCPU struct {
	vm  *VM
	fd  *os.File
	run []byte
}

// CreateVCPU is KVM_CREATE_VCPU plus the mmap of kvm_run.
func (vm *VM) CreateVCPU(id int) (*VCPU, error) {
	fd, err := gokvm.CreateVCPU(vm.fd.Fd(), id)
	if err != nil {
		return nil, fmt.Errorf("KVM_CREATE_VCPU %d: %w", id, err)
	}
	run, err := unix.Mmap(int(fd), 0, vm.sys.runSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Close(int(fd))
		return nil, fmt.Errorf("mmap kvm_run: %w", err)
	}
	return &VCPU{vm: vm, fd: os.NewFile(fd, "kvm-vcpu"), run: run}, nil
}

// Close unmaps kvm_run and closes the vCPU.
func (c *VCPU) Close() error {
	err := unix.Munmap(c.run)
	return errors.Join(err, c.fd.Close())
}

// SetCPUID is KVM_SET_CPUID2 with the system's supported CPUID.
func (c *VCPU) SetCPUID() error {
	id, err := c.vm.sys.SupportedCPUID()
	if err != nil {
		return fmt.Errorf("KVM_GET_SUPPORTED_CPUID: %w", err)
	}
	if err := setCPUID2(c.fd.Fd(), id); err != nil {
		return fmt.Errorf("KVM_SET_CPUID2: %w", err)
	}
	return nil
}

// SetXCR0 is KVM_SET_XCRS with XCR0 = xcr0: the state components
// (x87, SSE, AVX, AVX-512, ...) the guest's XSAVE-enabled code may use.
// It reads XCR0 back (KVM_GET_XCRS) and fails if the vCPU holds another
// value.
func (c *VCPU) SetXCR0(xcr0 uint64) error {
	x := &xcrs{Nr: 1}
	x.XCRs[0].Value = xcr0
	if err := setXCRs(c.fd.Fd(), x); err != nil {
		return fmt.Errorf("KVM_SET_XCRS (XCR0 = %#x): %w", xcr0, err)
	}
	got, err := getXCRs(c.fd.Fd())
	if err != nil {
		return fmt.Errorf("KVM_GET_XCRS: %w", err)
	}
	for i := uint32(0); i < got.Nr && i < uint32(len(got.XCRs)); i++ {
		if got.XCRs[i].XCR == 0 {
			if got.XCRs[i].Value != xcr0 {
				return fmt.Errorf("KVM_SET_XCRS: XCR0 = %#x, asked for %#x", got.XCRs[i].Value, xcr0)
			}
			return nil
		}
	}
	return fmt.Errorf("KVM_GET_XCRS: no XCR0 among %d registers", got.Nr)
}

// SetRegs is KVM_SET_REGS.
func (c *VCPU) SetRegs(r *Regs) error { return gokvm.SetRegs(c.fd.Fd(), r) }

// GetRegs reads the general-purpose registers (KVM_GET_REGS), outside the
// sync-regs area the run loop uses.
func (c *VCPU) GetRegs() (*Regs, error) { return gokvm.GetRegs(c.fd.Fd()) }

// GetSregs is KVM_GET_SREGS.
func (c *VCPU) GetSregs() (*Sregs, error) { return gokvm.GetSregs(c.fd.Fd()) }

// SetSregs is KVM_SET_SREGS.
func (c *VCPU) SetSregs(s *Sregs) error { return gokvm.SetSregs(c.fd.Fd(), s) }

// TSCKHz is KVM_GET_TSC_KHZ.
func (c *VCPU) TSCKHz() (uint64, error) { return gokvm.GetTSCKHz(c.fd.Fd()) }

// IOExit is kvm_run.io.
type IOExit struct {
	Direction uint8
	Size      uint8
	Port      uint16
	Count     uint32
	Offset    uint64
}

// MMIOExit is kvm_run.mmio.
type MMIOExit struct {
	Addr    uint64
	Data    [8]byte
	Len     uint32
	IsWrite bool
}

// InternalExit is kvm_run.internal.
type InternalExit struct {
	Suberror uint32
	Data     []uint64
}

// SupportsFSGSBASE says whether KVM offers the guest RDFSBASE/WRFSBASE
// (KVM_GET_SUPPORTED_CPUID leaf 7, subleaf 0: EBX bit 0), which the
// guest then enables with CR4.FSGSBASE; false on error.
func (s *System) SupportsFSGSBASE() bool {
	id, err := s.SupportedCPUID()
	if err != nil {
		return false
	}
	for _, e := range id.Entries[:min(int(id.Nent), len(id.Entries))] {
		if e.Function == 7 && e.Index == 0 {
			return e.EBX&1 != 0
		}
	}
	return false
}

// SupportedXCR0 is the XCR0 bits KVM lets a guest enable
// (KVM_GET_SUPPORTED_CPUID leaf 0xD, subleaf 0: EDX:EAX); 0 on error.
func (s *System) SupportedXCR0() uint64 {
	id, err := s.SupportedCPUID()
	if err != nil {
		return 0
	}
	for _, e := range id.Entries[:min(int(id.Nent), len(id.Entries))] {
		if e.Function == 0xd && e.Index == 0 {
			return uint64(e.EDX)<<32 | uint64(e.EAX)
		}
	}
	return 0
}
