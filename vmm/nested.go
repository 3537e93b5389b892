package vmm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/internal/caps"
	"plib/internal/guestbin"
	"plib/internal/image"
	"plib/vmm/kvm"
	"plib/vmm/vcpu"
)

// VMFUNCMode is how the vmfunc backend carries out VMFUNC (--vmfunc).
type VMFUNCMode string

// VMFUNC modes.
const (
	// VMFUNCAuto picks nested where this host offers it, emulate otherwise.
	VMFUNCAuto VMFUNCMode = "auto"
	// VMFUNCEmulate: each view is a KVM VM and the VMM carries out every
	// switch (one exit each).
	VMFUNCEmulate VMFUNCMode = "emulate"
	// VMFUNCNested: the VMM boots guestlib's hypervisor mode in a KVM
	// guest that has VMX (nested virtualization); that hypervisor runs the
	// workload with EPTP switching, which L0 KVM carries out.
	VMFUNCNested VMFUNCMode = "nested"
)

// NestedSupport reports whether this host can give a KVM guest VMX with
// VMFUNC EPTP switching, and if not, why.
func NestedSupport() (bool, string) {
	cpu := caps.ProbeCPU()
	if !cpu.VMX {
		why := "the host CPU shows no VMX"
		if cpu.SVM {
			why += " (an AMD host: KVM nests SVM, which has no VMFUNC)"
		} else if cpu.Hypervisor != "" {
			why += " (this kernel runs in a VM that does not pass VMX through)"
		}
		return false, why + ", so KVM cannot give its guest VMX"
	}
	b, err := os.ReadFile("/sys/module/kvm_intel/parameters/nested")
	if err != nil {
		return false, "kvm_intel is not loaded (no /sys/module/kvm_intel/parameters/nested)"
	}
	if v := strings.TrimSpace(string(b)); v != "Y" && v != "1" {
		return false, "kvm_intel's nested parameter is " + v + " (load it with nested=1)"
	}
	if ok, _ := HostVMFUNC(); !ok {
		return false, "the host CPU has no VMFUNC, so KVM offers its guests no EPTP switching"
	}
	return true, ""
}

// Layout of the nested guest's memory: the hypervisor at 1 MiB (its
// link address), the multiboot info below it, the bundle at 16 MiB, and
// room up to the end of the bundle's guest memory.
const (
	nestedMBInfo   = 0x8000
	nestedModule   = 0x8100
	nestedHVAddr   = 0x100000
	nestedBundle   = 0x1000000
	nestedDebug    = 0xe9   // the hypervisor's report port (Bochs's port_e9_hack)
	nestedPowerOff = 0x8900 // "Shutdown" written here ends the run
	mbBootMagic    = 0x2badb002
)

// RunNested boots guestlib's hypervisor mode in a KVM guest with the
// host's CPUID (VMX included where KVM nests it) and lets it run img as
// its guest; its report is parsed into the result. Where the guest CPU
// has no VMX the hypervisor says so, and RunNested returns an error
// wrapping backend.ErrUnavailable with its words.
func RunNested(ctx context.Context, img *image.Image, path string, opts backend.Options, mech backend.Mechanism) (*backend.Result, error) {
	sys, err := CheckKVM()
	if err != nil {
		return nil, fmt.Errorf("%w: vmfunc: %v", backend.ErrUnavailable, err)
	}
	defer sys.Close()
	bundle, err := BuildBundle(img, guestbin.GateVMFUNC, guestbin.Supervisor, BundleOptions{Params: opts.Params})
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	hv := guestbin.Hypervisor
	if len(hv) < 32 || binary.LittleEndian.Uint32(hv) != 0x1badb002 {
		return nil, fmt.Errorf("the embedded hypervisor is not a multiboot kernel")
	}
	entry := uint64(binary.LittleEndian.Uint32(hv[28:]))
	guestSize := binary.LittleEndian.Uint64(bundle[bhGuestSize:])
	size := (BundleGuestHPA + guestSize + 4<<20) &^ (2<<20 - 1)
	mem, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("guest memory (%d MiB): %w", size>>20, err)
	}
	defer unix.Munmap(mem)
	copy(mem[nestedHVAddr:], hv)
	copy(mem[nestedBundle:], bundle)
	le := binary.LittleEndian
	le.PutUint32(mem[nestedMBInfo:], 1<<0|1<<3) // memory sizes, modules
	le.PutUint32(mem[nestedMBInfo+4:], 640)
	le.PutUint32(mem[nestedMBInfo+8:], uint32((size-1<<20)>>10))
	le.PutUint32(mem[nestedMBInfo+20:], 1) // mods_count
	le.PutUint32(mem[nestedMBInfo+24:], nestedModule)
	le.PutUint32(mem[nestedModule:], nestedBundle)
	le.PutUint32(mem[nestedModule+4:], uint32(nestedBundle+len(bundle)))

	vm, err := vcpu.NewVM(sys)
	if err != nil {
		return nil, err
	}
	defer vm.Close()
	if err := vm.SetMemory(0, 0, 0, size, sliceAddr(mem)); err != nil {
		return nil, err
	}
	c, err := vcpu.NewVCPU(vm)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	s, err := c.GetSregs()
	if err != nil {
		return nil, err
	}
	// Multiboot's machine state: 32-bit protected mode, flat segments,
	// paging off (the hypervisor turns on long mode itself).
	code := Segment{Base: 0, Limit: 0xffffffff, Selector: 0x08, Typ: 11, Present: 1, S: 1, DB: 1, G: 1}
	data := Segment{Base: 0, Limit: 0xffffffff, Selector: 0x10, Typ: 3, Present: 1, S: 1, DB: 1, G: 1}
	s.CS, s.DS, s.ES, s.FS, s.GS, s.SS = code, data, data, data, data, data
	s.CR0, s.CR4, s.EFER = cr0PE|cr0ET, 0, 0
	if err := c.SetSregs(s); err != nil {
		return nil, err
	}
	if err := c.SetRegs(&Regs{RIP: entry, RAX: mbBootMagic, RBX: nestedMBInfo, RFLAGS: 2}); err != nil {
		return nil, err
	}
	res := &backend.Result{Backend: "vmfunc", Mechanism: mech, Image: path}
	start := time.Now()
	loop := vcpu.Start(ctx, opts.Timeout, c)
	report, stopped, err := runNestedVCPU(loop, c)
	loop.Stop()
	res.WallSeconds = time.Since(start).Seconds()
	if err != nil {
		return nil, err
	}
	if stopped == vcpu.Timeout {
		res.TimedOut = true
		res.Violation = loop.TimeoutViolation("app", 0)
		return res, nil
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	hr, err := ParseHypervisorReport(report, res, out)
	if err != nil {
		if errors.Is(err, ErrHypervisorFatal) && hr != nil && (strings.Contains(hr.Fatal, "no VMX") || strings.Contains(hr.Fatal, "lacks")) {
			return nil, fmt.Errorf("%w: vmfunc --vmfunc=nested: guestlib's hypervisor mode booted in the KVM guest and reported: %s", backend.ErrUnavailable, hr.Fatal)
		}
		return nil, fmt.Errorf("vmfunc --vmfunc=nested: %w", err)
	}
	res.Notes = append(res.Notes, "guestlib hypervisor mode in a KVM guest: "+hr.VMX)
	return res, nil
}

// runNestedVCPU runs the hypervisor's vCPU until it powers off, halts
// or is stopped, and returns what it wrote to its report port.
func runNestedVCPU(loop *vcpu.Loop, c *kvm.VCPU) ([]byte, vcpu.Reason, error) {
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
			case nestedDebug:
				if report.Len() < backend.MaxOutputSize {
					report.Write(c.IOData(e))
				}
			case nestedPowerOff:
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
			return nil, stopped, fmt.Errorf("hypervisor mode: KVM exit %s; it reported so far:\n%s", kvm.ExitReasonName(r), report.String())
		}
	}
}
