package compare

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"plib/caps"
	"plib/internal/hostsys"
	"plib/vmm/kvm"
)

// The floors: what each mechanism cannot avoid per library call, timed in
// the same run as the backends so that a report can say how far above its
// floor each backend's call runs. A backend's Mechanism.Floor names its
// anchor and how many of it a call needs.

// pinned runs fn on this (locked) thread with its affinity set to cpu,
// then puts the old affinity back.
func pinned(cpu int, fn func()) error {
	restore, err := hostsys.PinThread(cpu)
	if err != nil {
		return err
	}
	defer restore()
	fn()
	return nil
}

// partner starts a thread pinned to cpu that runs serve until stop is set;
// it returns a function that stops it and waits.
func partner(cpu int, serve func(stop *uint32)) (func(), error) {
	var stop uint32
	ready, done := make(chan error, 1), make(chan struct{})
	go func() {
		runtime.LockOSThread() // stays locked: the thread dies with its pinning
		defer close(done)
		if err := hostsys.Pin(0, cpu); err != nil {
			ready <- err
			return
		}
		ready <- nil
		serve(&stop)
	}()
	if err := <-ready; err != nil {
		return nil, fmt.Errorf("the partner thread: %w", err)
	}
	return func() {
		atomic.StoreUint32(&stop, 1)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}, nil
}

// setupSpinCrossCore is the process backend's floor under its spin wait:
// a request and a reply through one shared word, each side spinning on
// its own core, with no system call.
func setupSpinCrossCore() (func(int), func(), error) {
	cores, err := hostsys.UsableCores()
	if err != nil {
		return nil, nil, err
	}
	if len(cores) < 2 {
		return nil, nil, fmt.Errorf("needs two cores; this process may use %v", cores)
	}
	var word uint32
	stop, err := partner(cores[1], func(stop *uint32) {
		for atomic.LoadUint32(stop) == 0 {
			if atomic.LoadUint32(&word) == 1 {
				atomic.StoreUint32(&word, 2)
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	op := func(n int) {
		pinned(cores[0], func() {
			for i := 0; i < n; i++ {
				atomic.StoreUint32(&word, 1)
				for atomic.LoadUint32(&word) != 2 {
				}
			}
		})
	}
	return op, stop, nil
}

// setupFutexSameCore is the process backend's floor under its sleeping
// wait: a futex wake and wait each way between two threads on one core,
// so every round trip is two context switches and no cross-core wake-up.
func setupFutexSameCore() (func(int), func(), error) {
	cores, err := hostsys.UsableCores()
	if err != nil {
		return nil, nil, err
	}
	var word uint32
	stop, err := partner(cores[0], func(stop *uint32) {
		for atomic.LoadUint32(stop) == 0 {
			if atomic.LoadUint32(&word) != 1 {
				hostsys.Private.Wait(&word, atomic.LoadUint32(&word), time.Millisecond)
				continue
			}
			atomic.StoreUint32(&word, 2)
			hostsys.Private.Wake(&word, 1)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	op := func(n int) {
		pinned(cores[0], func() {
			for i := 0; i < n; i++ {
				atomic.StoreUint32(&word, 1)
				hostsys.Private.Wake(&word, 1)
				for atomic.LoadUint32(&word) == 1 {
					hostsys.Private.Wait(&word, 1, hostsys.Forever)
				}
			}
		})
	}
	return op, stop, nil
}

// setupKVMExitRing0 times an empty port-I/O exit from guest ring 0: a
// real-mode guest (CPL 0) loops on "out 0x10, al". The emulated vmfunc
// switch exits from ring 3 (the kvm-exit anchor); both are shown because
// on a host that is itself virtualized they differ severalfold.
func setupKVMExitRing0() (func(int), func(), error) {
	sys, err := kvm.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open /dev/kvm: %w", err)
	}
	vm, err := sys.CreateVM()
	if err != nil {
		sys.Close()
		return nil, nil, fmt.Errorf("create a VM: %w", err)
	}
	mem, err := unix.Mmap(-1, 0, 0x1000, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	var cpu *kvm.VCPU
	cleanup := func() {
		if cpu != nil {
			cpu.Close()
		}
		vm.Close()
		sys.Close()
		if mem != nil {
			unix.Munmap(mem)
		}
	}
	fail := func(what string, err error) (func(int), func(), error) {
		cleanup()
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if err != nil {
		return fail("guest memory", err)
	}
	copy(mem, []byte{0xe6, 0x10, 0xeb, 0xfc}) // out 0x10, al; jmp back to the out
	if err := vm.SetTSSAddr(0xfffbd000); err != nil {
		return fail("KVM_SET_TSS_ADDR", err)
	}
	if err := vm.SetMemory(0, 0, 0, uint64(len(mem)), uintptr(unsafe.Pointer(&mem[0]))); err != nil {
		return fail("map guest memory", err)
	}
	if cpu, err = vm.CreateVCPU(0); err != nil {
		return fail("create a vCPU", err)
	}
	s, err := cpu.GetSregs()
	if err != nil {
		return fail("read segment registers", err)
	}
	s.CS.Base, s.CS.Selector = 0, 0
	if err := cpu.SetSregs(s); err != nil {
		return fail("set segment registers", err)
	}
	if err := cpu.SetRegs(&kvm.Regs{RIP: 0, RFLAGS: 2}); err != nil {
		return fail("set registers", err)
	}
	var opErr error
	op := func(n int) {
		for i := 0; i < n; i++ {
			err := cpu.Run()
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err == nil && cpu.ExitReason() != kvm.ExitIO {
				err = fmt.Errorf("exit reason %d, want io (%d)", cpu.ExitReason(), kvm.ExitIO)
			}
			if err != nil && opErr == nil {
				opErr = err
			}
		}
	}
	op(1)
	if opErr != nil {
		return fail("KVM_RUN", opErr)
	}
	return op, cleanup, nil
}

// wrpkrus writes PKRU n times (wrpkru_amd64.s).
func wrpkrus(n int)

// setupWRPKRU is the pku backend's floor: one WRPKRU.
func setupWRPKRU() (func(int), func(), error) {
	c := caps.ProbeCPU()
	if !c.PKU || !c.OSPKE {
		return nil, nil, errors.New("the CPU has no protection keys enabled (CPUID.(7,0):ECX PKU/OSPKE)")
	}
	return wrpkrus, func() {}, nil
}
