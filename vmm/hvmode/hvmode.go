// Package hvmode runs guestlib's hypervisor mode (guestlib/hv) in a KVM
// guest that has VMX: the vmfunc backend's --vmfunc=nested. It boots the
// hypervisor as a multiboot kernel with a bundle (bundle.go) as its
// module; the hypervisor enters VMX operation and runs the bundle's guest
// with EPT views and VMFUNC EPTP switching, which L0 KVM carries out, and
// reports on its debug port (report.go).
package hvmode

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"plib/internal/abi"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/caps"
	"plib/vmm/kvm"
	"plib/vmm/vcpu"
)

// Support reports whether this host (cpu) can give a KVM guest VMX with
// VMFUNC EPTP switching, and if not, why.
func Support(cpu caps.CPU) (bool, string) {
	if !cpu.VMX {
		return false, cpu.NoVMFUNC() + ", so KVM cannot give its guest VMX"
	}
	b, err := os.ReadFile("/sys/module/kvm_intel/parameters/nested")
	if err != nil {
		return false, "kvm_intel is not loaded (no /sys/module/kvm_intel/parameters/nested)"
	}
	if v := strings.TrimSpace(string(b)); v != "Y" && v != "1" {
		return false, "kvm_intel's nested parameter is " + v + " (load it with nested=1)"
	}
	if !cpu.VMFUNC {
		return false, cpu.NoVMFUNC() + ", so KVM offers its guests no EPTP switching"
	}
	return true, ""
}

// Layout of the guest's memory: the hypervisor at 1 MiB (its link
// address), the multiboot info below it, the bundle at 16 MiB, and room
// up to the end of the bundle's guest memory.
const (
	mbInfo        = 0x8000
	mbModule      = 0x8100
	hvAddr        = abi.HVLoadAddr
	bundleAddr    = 0x1000000
	portReport    = abi.HVPortDebug    // the hypervisor's report port (Bochs's port_e9_hack)
	portPowerOff  = abi.HVPortShutdown // "Shutdown" written here ends the run
	mbHeaderMagic = 0x1badb002
	mbBootMagic   = 0x2badb002
	cr0PE         = 1 << 0
	cr0ET         = 1 << 4
)

// Run boots hv (the hypervisor, a multiboot kernel) in a fresh VM of sys
// with the host's CPUID (VMX included where KVM nests it) and bundle as
// its module, and parses its report into res; the workload's own prints
// go to out. A run past timeout ends in a timeout violation. Where the
// hypervisor reports that the CPU lacks what it needs, the error wraps
// backend.ErrUnavailable.
func Run(ctx context.Context, sys *kvm.System, hv, bundle []byte, timeout time.Duration, res *backend.Result, out io.Writer) error {
	if len(hv) < 32 || binary.LittleEndian.Uint32(hv) != mbHeaderMagic {
		return fmt.Errorf("the embedded hypervisor is not a multiboot kernel")
	}
	if len(bundle) < Header || binary.LittleEndian.Uint64(bundle[OffMagic:]) != Magic {
		return fmt.Errorf("not a hypervisor bundle")
	}
	entry := uint64(binary.LittleEndian.Uint32(hv[28:]))
	guestSize := binary.LittleEndian.Uint64(bundle[OffGuestSize:])
	size := (GuestHPA + guestSize + 4<<20) &^ (2<<20 - 1)
	mem, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("guest memory (%d MiB): %w", size>>20, err)
	}
	defer unix.Munmap(mem)
	copy(mem[hvAddr:], hv)
	copy(mem[bundleAddr:], bundle)
	le := binary.LittleEndian
	le.PutUint32(mem[mbInfo:], 1<<0|1<<3) // memory sizes, modules
	le.PutUint32(mem[mbInfo+4:], 640)
	le.PutUint32(mem[mbInfo+8:], uint32((size-1<<20)>>10))
	le.PutUint32(mem[mbInfo+20:], 1) // mods_count
	le.PutUint32(mem[mbInfo+24:], mbModule)
	le.PutUint32(mem[mbModule:], bundleAddr)
	le.PutUint32(mem[mbModule+4:], uint32(bundleAddr+len(bundle)))

	vm, err := vcpu.NewVM(sys)
	if err != nil {
		return err
	}
	defer vm.Close()
	if err := vm.SetMemory(0, 0, 0, size, sliceAddr(mem)); err != nil {
		return err
	}
	c, err := vcpu.NewVCPU(vm)
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := c.GetSregs()
	if err != nil {
		return err
	}
	// Multiboot's machine state: 32-bit protected mode, flat segments,
	// paging off (the hypervisor turns on long mode itself).
	code := kvm.Segment{Base: 0, Limit: 0xffffffff, Selector: 0x08, Typ: 11, Present: 1, S: 1, DB: 1, G: 1}
	data := kvm.Segment{Base: 0, Limit: 0xffffffff, Selector: 0x10, Typ: 3, Present: 1, S: 1, DB: 1, G: 1}
	s.CS, s.DS, s.ES, s.FS, s.GS, s.SS = code, data, data, data, data, data
	s.CR0, s.CR4, s.EFER = cr0PE|cr0ET, 0, 0
	if err := c.SetSregs(s); err != nil {
		return err
	}
	if err := c.SetRegs(&kvm.Regs{RIP: entry, RAX: mbBootMagic, RBX: mbInfo, RFLAGS: 2}); err != nil {
		return err
	}
	start := time.Now()
	loop := vcpu.Start(ctx, timeout, c)
	report, stopped, err := runVCPU(loop, c)
	loop.Stop()
	res.WallSeconds = time.Since(start).Seconds()
	if err != nil {
		return err
	}
	if stopped == vcpu.Timeout {
		res.TimedOut = true
		res.Violation = loop.TimeoutViolation("app", 0)
		return nil
	}
	r, err := ParseReport(report, res, out)
	if err != nil {
		if errors.Is(err, ErrFatal) && r.Status == Unsupported {
			return fmt.Errorf("%w: guestlib's hypervisor mode booted in the KVM guest and reported: %s", backend.ErrUnavailable, r.Fatal)
		}
		return err
	}
	res.Notes = append(res.Notes, "guestlib hypervisor mode in a KVM guest: "+r.VMX)
	return nil
}

// runVCPU runs the hypervisor's vCPU until it powers off, halts or is
// stopped, and returns what it wrote to its report port.
func runVCPU(loop *vcpu.Loop, c *kvm.VCPU) ([]byte, vcpu.Reason, error) {
	var report, power bytes.Buffer
	for {
		stopped, err := loop.Run(c)
		if stopped != vcpu.Running {
			return nil, stopped, err
		}
		if err != nil {
			return nil, stopped, fmt.Errorf("KVM_RUN (hypervisor mode): %w", err)
		}
		switch r := c.ExitReason(); r {
		case kvm.ExitIO:
			e := c.IO()
			if e.Direction != kvm.IOOut {
				return nil, stopped, fmt.Errorf("the hypervisor read port %#x", e.Port)
			}
			switch e.Port {
			case portReport:
				if report.Len() < backend.MaxOutputSize {
					report.Write(c.IOData(e))
				}
			case portPowerOff:
				power.Write(c.IOData(e))
				if strings.Contains(power.String(), "Shutdown") {
					return report.Bytes(), stopped, nil
				}
			default:
				return nil, stopped, fmt.Errorf("the hypervisor wrote port %#x", e.Port)
			}
		case kvm.ExitHLT:
			return report.Bytes(), stopped, nil
		default:
			return nil, stopped, fmt.Errorf("hypervisor mode: KVM exit %s; it reported so far:\n%s", vcpu.KeyOf(r), report.String())
		}
	}
}
