package vcpu

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"plib/vmm/kvm"
)

// spinner boots a real-mode vCPU on "jmp $" at address 0.
func spinner(t *testing.T) *kvm.VCPU {
	t.Helper()
	if _, err := os.Stat("/dev/kvm"); err != nil {
		t.Skipf("SKIPPING: no /dev/kvm: %v", err)
	}
	sys, err := kvm.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sys.Close() })
	vm, err := NewVM(sys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vm.Close() })
	mem, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	copy(mem, []byte{0xeb, 0xfe}) // jmp $
	if err := vm.SetMemory(0, 0, 0, 4096, uintptr(unsafe.Pointer(&mem[0]))); err != nil {
		t.Fatal(err)
	}
	c, err := NewVCPU(vm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.GetSregs()
	if err != nil {
		t.Fatal(err)
	}
	s.CS.Base, s.CS.Selector = 0, 0
	if err := c.SetSregs(s); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRegs(&kvm.Regs{RIP: 0, RFLAGS: 2}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLoopStops: a guest that never exits is stopped by the timeout, by
// the context's end and by a kick, each reported as its own reason.
func TestLoopStops(t *testing.T) {
	for _, want := range []Reason{Timeout, Cancelled, OverBudget} {
		c := spinner(t)
		ctx, cancel := context.WithCancel(context.Background())
		timeout := time.Duration(0)
		loop := func() *Loop {
			switch want {
			case Timeout:
				timeout = 50 * time.Millisecond
			case Cancelled:
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			return Start(ctx, timeout, c)
		}()
		if want == OverBudget {
			time.AfterFunc(50*time.Millisecond, func() { loop.Kick(OverBudget) })
		}
		got, err := loop.Run(c)
		loop.Stop()
		cancel()
		if got != want {
			t.Fatalf("stopped for %d, want %d (err %v)", got, want, err)
		}
		if (want == Cancelled) != (err != nil && errors.Is(err, context.Canceled)) {
			t.Errorf("reason %d: error %v", want, err)
		}
		if want == Timeout {
			if v := loop.TimeoutViolation("app", 0); v.Kind != "timeout" || v.CaughtBy != CaughtByTimer {
				t.Errorf("timeout violation %+v", v)
			}
		}
	}
}
