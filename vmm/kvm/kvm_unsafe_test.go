package kvm

import (
	"errors"
	"os"
	"testing"
	"unsafe"

	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"golang.org/x/sys/unix"

	"plib/internal/cvalues"
)

// kernelValues compiles and runs a C program against the kernel's uapi
// header <linux/kvm.h> that prints each of exprs.
func kernelValues(t *testing.T, exprs []string) map[string]int64 {
	t.Helper()
	if _, err := os.Stat("/usr/include/linux/kvm.h"); err != nil {
		t.Skipf("SKIP: no kernel uapi header to check kvm_run against (%v): install linux-libc-dev", err)
	}
	return cvalues.Of(t, "#include <linux/kvm.h>", nil, exprs)
}

// TestLayoutMatchesKernel checks the offsets, sizes and numbers this
// package uses to read kvm_run and call KVM against the kernel's header.
func TestLayoutMatchesKernel(t *testing.T) {
	var h runHeader
	var io IOExit
	run := func(f string) string { return "offsetof(struct kvm_run, " + f + ")" }
	want := map[string]int64{
		run("request_interrupt_window"):      int64(unsafe.Offsetof(h.RequestInterruptWindow)),
		run("immediate_exit"):                int64(unsafe.Offsetof(h.ImmediateExit)),
		run("exit_reason"):                   int64(unsafe.Offsetof(h.ExitReason)),
		run("ready_for_interrupt_injection"): int64(unsafe.Offsetof(h.ReadyForInjection)),
		run("if_flag"):                       int64(unsafe.Offsetof(h.IfFlag)),
		run("flags"):                         int64(unsafe.Offsetof(h.Flags)),
		run("cr8"):                           int64(unsafe.Offsetof(h.CR8)),
		run("apic_base"):                     int64(unsafe.Offsetof(h.ApicBase)),
		run("io"):                            runUnionOff,
		run("mmio"):                          runUnionOff,
		run("internal"):                      runUnionOff,
		run("fail_entry"):                    runUnionOff,
		run("kvm_valid_regs"):                runValidRegsOff,
		run("kvm_dirty_regs"):                runDirtyRegsOff,
		run("s.regs"):                        runSyncRegsOff,

		"offsetof(struct kvm_run, io.direction) - offsetof(struct kvm_run, io)":   int64(unsafe.Offsetof(io.Direction)),
		"offsetof(struct kvm_run, io.size) - offsetof(struct kvm_run, io)":        int64(unsafe.Offsetof(io.Size)),
		"offsetof(struct kvm_run, io.port) - offsetof(struct kvm_run, io)":        int64(unsafe.Offsetof(io.Port)),
		"offsetof(struct kvm_run, io.count) - offsetof(struct kvm_run, io)":       int64(unsafe.Offsetof(io.Count)),
		"offsetof(struct kvm_run, io.data_offset) - offsetof(struct kvm_run, io)": int64(unsafe.Offsetof(io.Offset)),
		"sizeof(((struct kvm_run *)0)->io)":                                       int64(unsafe.Sizeof(io)),
		// MMIO, Internal and FailEntryReason read these offsets from the union.
		"offsetof(struct kvm_run, mmio.phys_addr) - offsetof(struct kvm_run, mmio)":                                 0,
		"offsetof(struct kvm_run, mmio.data) - offsetof(struct kvm_run, mmio)":                                      8,
		"offsetof(struct kvm_run, mmio.len) - offsetof(struct kvm_run, mmio)":                                       16,
		"offsetof(struct kvm_run, mmio.is_write) - offsetof(struct kvm_run, mmio)":                                  20,
		"offsetof(struct kvm_run, internal.suberror) - offsetof(struct kvm_run, internal)":                          0,
		"offsetof(struct kvm_run, internal.ndata) - offsetof(struct kvm_run, internal)":                             4,
		"offsetof(struct kvm_run, internal.data) - offsetof(struct kvm_run, internal)":                              8,
		"sizeof(((struct kvm_run *)0)->internal.data) / 8":                                                          16,
		"offsetof(struct kvm_run, fail_entry.hardware_entry_failure_reason) - offsetof(struct kvm_run, fail_entry)": 0,

		"sizeof(struct kvm_regs)":               int64(unsafe.Sizeof(Regs{})),
		"sizeof(struct kvm_sregs)":              int64(unsafe.Sizeof(Sregs{})),
		"offsetof(struct kvm_sync_regs, sregs)": int64(unsafe.Offsetof(SyncRegsArea{}.Sregs)),
		"sizeof(struct kvm_cpuid_entry2)":       int64(unsafe.Sizeof(cpuidEntry2{})),
		"offsetof(struct kvm_cpuid2, entries)":  int64(unsafe.Offsetof(cpuid2{}.Entries)),
		"sizeof(struct kvm_xcrs)":               int64(unsafe.Sizeof(xcrs{})),
		"offsetof(struct kvm_xcrs, xcrs)":       int64(unsafe.Offsetof(xcrs{}.XCRs)),

		"KVM_EXIT_UNKNOWN": ExitUnknown, "KVM_EXIT_EXCEPTION": ExitException, "KVM_EXIT_IO": ExitIO,
		"KVM_EXIT_HYPERCALL": ExitHypercall, "KVM_EXIT_DEBUG": ExitDebug, "KVM_EXIT_HLT": ExitHLT,
		"KVM_EXIT_MMIO": ExitMMIO, "KVM_EXIT_SHUTDOWN": ExitShutdown, "KVM_EXIT_FAIL_ENTRY": ExitFailEntry,
		"KVM_EXIT_INTR": ExitIntr, "KVM_EXIT_INTERNAL_ERROR": ExitInternalError,
		"KVM_INTERNAL_ERROR_EMULATION": InternalErrorEmulation,
		"KVM_EXIT_IO_IN":               IOIn, "KVM_EXIT_IO_OUT": IOOut,
		"KVM_SYNC_X86_REGS": SyncRegs, "KVM_SYNC_X86_SREGS": SyncSregs, "KVM_SYNC_X86_EVENTS": SyncEvents,
		"KVM_CAP_USER_MEMORY": CapUserMemory, "KVM_CAP_NR_MEMSLOTS": CapNRMemSlots,
		"KVM_CAP_READONLY_MEM": CapReadonlyMem, "KVM_CAP_SYNC_REGS": CapSyncRegs,
		"KVM_CAP_IMMEDIATE_EXIT": CapImmediateExit, "KVM_MEM_READONLY": MemReadonly,
		"KVM_RUN": int64(gokvm.IIO(0x80)), // what Run passes to ioctl
	}
	exprs := make([]string, 0, len(want))
	for e := range want {
		exprs = append(exprs, e)
	}
	got := kernelValues(t, exprs)
	for _, e := range exprs {
		if got[e] != want[e] {
			t.Errorf("%s: the kernel says %d, package kvm uses %d", e, got[e], want[e])
		}
	}
}

// TestRunHLT runs a real guest: real mode at address 0, "out 0x10, al"
// with al = 0x42, then hlt. It sees the I/O exit decoded and the HLT exit.
func TestRunHLT(t *testing.T) {
	if _, err := os.Stat("/dev/kvm"); err != nil {
		t.Skipf("SKIP: no /dev/kvm on this machine (%v): the real-KVM tests of package kvm cannot run", err)
	}
	sys, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	if v, err := sys.APIVersion(); err != nil || v != 12 {
		t.Fatalf("KVM_GET_API_VERSION = %d, %v; want 12", v, err)
	}
	vm, err := sys.CreateVM()
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	if err := vm.SetTSSAddr(0xfffbd000); err != nil {
		t.Fatalf("KVM_SET_TSS_ADDR: %v", err)
	}
	mem, err := unix.Mmap(-1, 0, 0x1000, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	copy(mem, []byte{0xb0, 0x42, 0xe6, 0x10, 0xf4}) // mov al, 0x42; out 0x10, al; hlt
	if err := vm.SetMemory(0, 0, 0, uint64(len(mem)), uintptr(unsafe.Pointer(&mem[0]))); err != nil {
		t.Fatal(err)
	}
	cpu, err := vm.CreateVCPU(0)
	if err != nil {
		t.Fatal(err)
	}
	defer cpu.Close()
	s, err := cpu.GetSregs()
	if err != nil {
		t.Fatal(err)
	}
	s.CS.Base, s.CS.Selector = 0, 0
	if err := cpu.SetSregs(s); err != nil {
		t.Fatal(err)
	}
	if err := cpu.SetRegs(&Regs{RIP: 0, RFLAGS: 2}); err != nil {
		t.Fatal(err)
	}
	run := func() uint32 {
		t.Helper()
		for {
			err := cpu.Run()
			if errors.Is(err, unix.EINTR) { // a Go runtime signal: enter again
				continue
			}
			if err != nil {
				t.Fatalf("KVM_RUN: %v", err)
			}
			return cpu.ExitReason()
		}
	}
	if r := run(); r != ExitIO {
		t.Fatalf("first exit: reason %d, want io (%d)", r, ExitIO)
	}
	e := cpu.IO()
	if e.Direction != IOOut || e.Size != 1 || e.Port != 0x10 || e.Count != 1 {
		t.Fatalf("I/O exit %+v, want out of 1 byte to port 0x10", e)
	}
	if d := cpu.IOData(e); len(d) != 1 || d[0] != 0x42 {
		t.Fatalf("I/O data %x, want 42", d)
	}
	if r := run(); r != ExitHLT {
		t.Fatalf("second exit: reason %d, want hlt (%d)", r, ExitHLT)
	}
	regs, err := cpu.GetRegs()
	if err != nil {
		t.Fatal(err)
	}
	if regs.RIP != 5 {
		t.Errorf("RIP after hlt = %#x, want 5", regs.RIP)
	}
}
