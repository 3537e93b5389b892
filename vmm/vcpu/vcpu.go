// Package vcpu is what every KVM guest plib runs shares: creating a VM
// and its vCPU, and entering the vCPU until it exits, with the one way a
// run is stopped from outside (a timeout, a watchdog, the context's end).
// The emulating VMM (package vmm) and the hypervisor mode (package
// vmm/hvmode) both run on it.
package vcpu

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/vmm/kvm"
)

// tssAddr is where KVM keeps the three pages of real-mode TSS it needs on
// Intel hosts: just below the BIOS area under 4 GiB, which no plib guest
// maps.
const tssAddr = 0xfffbd000

// NewVM creates a VM ready for memory slots and a vCPU.
func NewVM(sys *kvm.System) (*kvm.VM, error) {
	vm, err := sys.CreateVM()
	if err != nil {
		return nil, err
	}
	if err := vm.SetTSSAddr(tssAddr); err != nil { // required on Intel hosts; harmless elsewhere
		vm.Close()
		return nil, fmt.Errorf("KVM_SET_TSS_ADDR: %w", err)
	}
	return vm, nil
}

// NewVCPU creates vm's vCPU 0 with the CPUID KVM supports on this host.
func NewVCPU(vm *kvm.VM) (*kvm.VCPU, error) {
	c, err := vm.CreateVCPU(0)
	if err != nil {
		return nil, err
	}
	if err := c.SetCPUID(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Reason is why a run was stopped from outside.
type Reason int32

// Reasons.
const (
	Running    Reason = iota // not stopped
	Timeout                  // the run's timeout passed
	OverBudget               // a watchdog found a library call over its budget
	Cancelled                // the run's context ended
)

// Loop enters a run's vCPUs, one at a time, on one OS thread, until
// something outside stops it (Kick).
type Loop struct {
	ctx     context.Context
	vcpus   []*kvm.VCPU
	tid     int
	reason  atomic.Int32
	disarm  []func() bool
	timeout time.Duration
}

// Start locks the calling goroutine to its OS thread (KVM ties a vCPU to
// the thread that runs it, and moving it costs an RCU grace period) and
// arms timeout (0: none) and ctx's end to kick vcpus out of the guest.
// The caller runs the loop on this goroutine and ends it with Stop.
func Start(ctx context.Context, timeout time.Duration, vcpus ...*kvm.VCPU) *Loop {
	runtime.LockOSThread()
	l := &Loop{ctx: ctx, vcpus: vcpus, tid: unix.Gettid(), timeout: timeout}
	if timeout > 0 {
		t := time.AfterFunc(timeout, func() { l.Kick(Timeout) })
		l.disarm = append(l.disarm, t.Stop)
	}
	l.disarm = append(l.disarm, context.AfterFunc(ctx, func() { l.Kick(Cancelled) }))
	return l
}

// Stop disarms the timer and the context and unlocks the thread.
func (l *Loop) Stop() {
	for _, f := range l.disarm {
		f()
	}
	runtime.UnlockOSThread()
}

// Kick stops the run for r, from any goroutine; the first reason given
// is the one Run reports. A kick that lands between Run's check and
// KVM_RUN is caught by immediate_exit; one that lands in the guest, by
// the signal.
func (l *Loop) Kick(r Reason) {
	if !l.reason.CompareAndSwap(int32(Running), int32(r)) {
		return
	}
	for _, c := range l.vcpus {
		if c != nil {
			c.SetImmediateExit(true)
		}
	}
	unix.Tgkill(unix.Getpid(), l.tid, unix.SIGURG) // the Go runtime ignores a stray SIGURG
}

// Run enters c until it exits to the VMM, re-entering it where only the
// Go runtime's preemption signal interrupted it. It returns Running and
// nil for an exit to handle; the reason a kick gave (with the context's
// error for Cancelled); or KVM_RUN's error.
func (l *Loop) Run(c *kvm.VCPU) (Reason, error) {
	for {
		err := c.Run()
		if !errors.Is(err, unix.EINTR) && !errors.Is(err, unix.EAGAIN) {
			return Running, err
		}
		switch r := Reason(l.reason.Load()); r {
		case Running:
			continue
		case Cancelled:
			return r, fmt.Errorf("run stopped: %w", l.ctx.Err())
		default:
			return r, nil
		}
	}
}

// What stopped a run, as a violation's CaughtBy.
const (
	CaughtByTimer    = "VMM timer (signal + immediate_exit)"
	CaughtByWatchdog = "VMM watchdog (signal + immediate_exit)"
)

// TimeoutViolation is what a run stopped for Timeout reports: domain
// was running at rip.
func (l *Loop) TimeoutViolation(domain string, rip uint64) *backend.Violation {
	return &backend.Violation{Kind: backend.ViolationTimeout, Domain: domain, RIP: rip,
		Detail: fmt.Sprintf("the workload ran longer than %v", l.timeout), Catcher: backend.CatcherTimer, CaughtBy: CaughtByTimer}
}
