package vmm

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"plib/backend"
	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/pagefault"
	"plib/vmm/kvm"
	"plib/vmm/vcpu"
)

// Exit is a snapshot of one KVM_RUN exit: everything the handler needs.
type Exit struct {
	View     int // the view (domain) whose vCPU exited
	Reason   uint32
	IO       kvm.IOExit
	MMIO     kvm.MMIOExit
	Internal kvm.InternalExit
	Regs     Regs
	Sregs    Sregs
}

// ActionKind is what the vCPU loop does after an exit.
type ActionKind int

// Actions.
const (
	Resume ActionKind = iota // re-enter the same view
	Switch                   // continue in another view with Regs
	Stop                     // end the run
)

// Action is the handler's decision about one exit.
type Action struct {
	Kind      ActionKind
	SetRAX    bool // Resume: hand RAX back to the guest
	RAX       uint64
	View      int  // Switch: the target view
	Regs      Regs // Switch: the target's registers
	UserSregs bool // Switch: put the target back in ring 3 (after a #UD report)
	Stop      *backend.Stop
	Err       error // Stop: the run failed for a reason that is not a violation
}

// Access is how the guest would touch memory the VMM reads for it.
type Access int

// Accesses.
const (
	UserRead       Access = iota // ring 3 data read
	UserExec                     // ring 3 instruction fetch
	SupervisorRead               // ring 0 read (the exception frame)
	SupervisorExec               // ring 0 instruction fetch
)

// fetchAccess is the access an instruction fetch at privilege cpl makes.
func fetchAccess(cpl uint64) Access {
	if cpl == 3 {
		return UserExec
	}
	return SupervisorExec
}

// GuestMemory reads guest memory as one view sees it, refusing what that
// view (and privilege level) cannot access.
type GuestMemory interface {
	Read(view int, addr, n uint64, a Access) ([]byte, error)
}

// handler turns exits into actions. It keeps counters and the platform's
// accumulated results, but does no I/O on KVM: tests feed it synthetic
// exits.
type handler struct {
	img      *image.Image
	layout   *Layout
	views    eptviews.Views
	mem      GuestMemory
	platform *backend.Platform
	exits    vcpu.Counts
	switches uint64
}

func newHandler(img *image.Image, layout *Layout, views eptviews.Views, mem GuestMemory, p *backend.Platform) *handler {
	return &handler{img: img, layout: layout, views: views, mem: mem, platform: p, exits: vcpu.Counts{}}
}

func (h *handler) domain(view int) string { return domainName(h.img, view) }

// owner describes who owns guest-physical address a.
func (h *handler) owner(a uint64) string {
	for _, r := range h.layout.Regions {
		if a >= r.GPA && a < r.End() {
			if r.Kind.Shared() {
				return fmt.Sprintf("%s (trusted, shared)", r.Name)
			}
			return fmt.Sprintf("%s of %s (%s)", r.Kind, h.domain(r.Owner), r.Name)
		}
	}
	return "nothing (unmapped in every view)"
}

func (h *handler) stopViolation(v *backend.Violation) Action {
	return Action{Kind: Stop, Stop: &backend.Stop{Violation: v}}
}

// Handle decides what to do about one exit.
func (h *handler) Handle(e *Exit) Action {
	h.exits[vcpu.KeyOf(e.Reason)]++
	switch e.Reason {
	case kvm.ExitIO:
		return h.handleIO(e)
	case kvm.ExitMMIO:
		return h.handleMMIO(e)
	case kvm.ExitInternalError:
		return h.handleInternal(e)
	case kvm.ExitShutdown:
		return h.stopViolation(&backend.Violation{Kind: backend.ViolationTripleFault, Domain: h.domain(e.View), RIP: e.Regs.RIP,
			Detail: "the guest triple-faulted (an exception during exception delivery)", Catcher: backend.CatcherVMM, CaughtBy: "KVM shutdown exit"})
	case kvm.ExitHLT:
		return Action{Kind: Stop, Err: fmt.Errorf("guest halted at rip %#x in view %s without exiting", e.Regs.RIP, h.domain(e.View))}
	}
	return Action{Kind: Stop, Err: fmt.Errorf("unexpected KVM exit %s in view %s at rip %#x", vcpu.KeyOf(e.Reason), h.domain(e.View), e.Regs.RIP)}
}

// viewMemory adapts GuestMemory to the platform's Memory for one view.
type viewMemory struct {
	mem  GuestMemory
	view int
}

// Read implements backend.Memory for the view's ring-3 reads.
func (v viewMemory) Read(addr, n uint64) ([]byte, error) {
	return v.mem.Read(v.view, addr, n, UserRead)
}

func (h *handler) handleIO(e *Exit) Action {
	io := e.IO
	switch {
	case io.Port == abi.PortSys && io.Direction == kvm.IOOut:
		r := &e.Regs
		ret, stop := h.platform.Call(h.domain(e.View), r.RDI, r.RSI, r.R8, r.RCX, viewMemory{h.mem, e.View}, r.RIP)
		if stop != nil {
			return Action{Kind: Stop, Stop: stop}
		}
		return Action{Kind: Resume, SetRAX: true, RAX: ret}
	case io.Port == abi.PortFault && io.Direction == kvm.IOOut:
		if e.Sregs.CS.DPL != 0 {
			return h.stopViolation(&backend.Violation{Kind: backend.ViolationIO, Domain: h.domain(e.View), RIP: e.Regs.RIP,
				Detail: "ring 3 wrote the exception-report port", Catcher: backend.CatcherVMM, CaughtBy: "VMM port check"})
		}
		return h.handleException(e)
	}
	return h.stopViolation(&backend.Violation{Kind: backend.ViolationIO, Domain: h.domain(e.View), RIP: e.Regs.RIP, Address: uint64(io.Port),
		Detail: fmt.Sprintf("port %#x is not a platform port", io.Port), Catcher: backend.CatcherVMM, CaughtBy: "VMM port check"})
}

// frame is what supervisor.S leaves on its stack.
type frame struct {
	RDX, Vector, Error, RIP, CS, RFLAGS, RSP, SS uint64
}

var exceptionNames = map[uint64]string{0: "#DE divide error", 1: "#DB debug", 3: "#BP breakpoint", 4: "#OF overflow",
	5: "#BR bound", 6: "#UD invalid opcode", 7: "#NM device not available", 8: "#DF double fault",
	10: "#TS invalid TSS", 11: "#NP segment not present", 12: "#SS stack fault", 13: "#GP general protection",
	14: "#PF page fault", 16: "#MF x87 error", 17: "#AC alignment check", 18: "#MC machine check", 19: "#XM SIMD error"}

func (h *handler) handleException(e *Exit) Action {
	b, err := h.mem.Read(e.View, e.Regs.RSP, 64, SupervisorRead)
	if err != nil {
		return Action{Kind: Stop, Err: fmt.Errorf("exception report with unreadable frame at %#x: %w", e.Regs.RSP, err)}
	}
	var f frame
	binary.Read(bytes.NewReader(b), binary.LittleEndian, &f)
	user := f.CS&3 == 3
	if f.Vector == 6 {
		// A guest #UD: how a VMFUNC ends up on a stock Intel KVM host
		// (Linux >= 6.2), and on AMD hosts for a ring-3 VMFUNC (KVM's
		// #UD intercept cannot decode it and reinjects the #UD).
		if ins, err := h.fetch(e.View, f.RIP, f.CS&3); err == nil && bytes.Equal(ins, image.VMFUNCBytes) {
			h.exits[vcpu.ExitUDVMFUNC]++
			regs := e.Regs
			regs.RIP, regs.RSP, regs.RFLAGS, regs.RDX = f.RIP, f.RSP, f.RFLAGS, f.RDX
			// Ring 0 took the #UD without a privilege change, so the
			// stub's segment state is the VMFUNC's; a ring-3 VMFUNC must
			// go back to ring 3.
			return h.vmfunc(e.View, regs, user)
		}
	}
	name := exceptionNames[f.Vector]
	if name == "" {
		name = fmt.Sprintf("vector %d", f.Vector)
	}
	v := &backend.Violation{Kind: backend.ViolationException, Domain: h.domain(e.View), RIP: f.RIP, Exception: int(f.Vector),
		Detail:  fmt.Sprintf("%s (error code %#x) in %s", name, f.Error, map[bool]string{true: "ring 3", false: "ring 0"}[user]),
		Catcher: backend.CatcherGuestFault, CaughtBy: "guest exception, reported by the supervisor"}
	if f.Vector == 14 {
		v.Address = e.Sregs.CR2
		v.Kind = pagefault.Access(f.Error)
		v.Target = h.owner(v.Address)
		v.Catcher, v.CaughtBy = backend.CatcherGuestPaging, "guest page tables (#PF)"
	}
	return h.stopViolation(v)
}

func (h *handler) handleMMIO(e *Exit) Action {
	m := e.MMIO
	kind, why := backend.ViolationRead, "has no mapping in"
	if m.IsWrite {
		kind = backend.ViolationWrite
		if mp, ok := h.views[e.View].Lookup(m.Addr); ok && !mp.Writable {
			why = "is read-only in"
		}
	}
	return h.stopViolation(&backend.Violation{Kind: kind, Domain: h.domain(e.View), RIP: e.Regs.RIP, Address: m.Addr,
		Target:  h.owner(m.Addr),
		Detail:  fmt.Sprintf("%d-byte %s of %#x, which %s view %d (%s)", m.Len, kind, m.Addr, why, e.View, h.domain(e.View)),
		Catcher: backend.CatcherEPT, CaughtBy: fmt.Sprintf("EPT view %d (KVM memory slots)", e.View)})
}

func (h *handler) handleInternal(e *Exit) Action {
	if e.Internal.Suberror != kvm.InternalErrorEmulation {
		return Action{Kind: Stop, Err: fmt.Errorf("KVM internal error, suberror %d, in view %s at rip %#x (data %#x)",
			e.Internal.Suberror, h.domain(e.View), e.Regs.RIP, e.Internal.Data)}
	}
	ins, err := h.fetch(e.View, e.Regs.RIP, uint64(e.Sregs.CS.DPL))
	if err != nil {
		// KVM could not fetch the instruction: the view does not map the
		// code the guest jumped to.
		return h.stopViolation(&backend.Violation{Kind: backend.ViolationExecute, Domain: h.domain(e.View), RIP: e.Regs.RIP, Address: e.Regs.RIP,
			Target:  h.owner(e.Regs.RIP),
			Detail:  fmt.Sprintf("instruction fetch at %#x: %v", e.Regs.RIP, err),
			Catcher: backend.CatcherEPT, CaughtBy: fmt.Sprintf("EPT view %d (KVM memory slots)", e.View)})
	}
	if bytes.Equal(ins, image.VMFUNCBytes) {
		return h.vmfunc(e.View, e.Regs, false)
	}
	return h.stopViolation(&backend.Violation{Kind: backend.ViolationEmulation, Domain: h.domain(e.View), RIP: e.Regs.RIP,
		Detail:  fmt.Sprintf("KVM could not emulate the instruction at %#x (bytes % x); an access outside the view the CPU cannot complete", e.Regs.RIP, ins),
		Catcher: backend.CatcherVMM, CaughtBy: "KVM emulation failure"})
}

// fetch returns the three instruction bytes at rip as the CPU fetches them
// in view at privilege cpl. The gate's VMFUNCs end in a gate page the view
// does not map, which is what makes the fetch exit; those bytes come from
// the trusted gate, identical in every view. Any other byte the view does
// not map fails the fetch.
func (h *handler) fetch(view int, rip, cpl uint64) ([]byte, error) {
	acc := fetchAccess(cpl)
	if b, err := h.mem.Read(view, rip, 3, acc); err == nil {
		return b, nil
	}
	out, err := h.mem.Read(view, rip, 1, acc)
	if err != nil {
		return nil, err
	}
	for a := rip + 1; a < rip+3; a++ {
		b, err := h.mem.Read(view, a, 1, acc)
		if err != nil {
			if b, err = h.gateByte(a); err != nil {
				return nil, fmt.Errorf("instruction at %#x runs into %#x: %w", rip, a, err)
			}
		}
		out = append(out, b...)
	}
	return out, nil
}

// gateByte reads one byte of gate code from whichever view maps it.
func (h *handler) gateByte(a uint64) ([]byte, error) {
	for id, v := range h.views {
		if v == nil {
			continue
		}
		if m, ok := v.Lookup(a); ok && m.Kind.GateCode() {
			return h.mem.Read(id, a, 1, UserExec)
		}
	}
	return nil, fmt.Errorf("%#x is neither mapped in this view nor gate code", a)
}

// vmfunc emulates VMFUNC leaf 0 (EPTP switching) the way the CPU would:
// EAX selects the function, ECX the EPTP-list entry; an unsupported leaf
// or an entry that is not a view is a VM exit, which here is a violation.
func (h *handler) vmfunc(view int, regs Regs, viaUD bool) Action {
	leaf, index := regs.RAX&0xffffffff, regs.RCX&0xffffffff
	if leaf != 0 {
		return h.stopViolation(&backend.Violation{Kind: backend.ViolationVMFUNCLeaf, Domain: h.domain(view), RIP: regs.RIP, Address: leaf,
			Detail: fmt.Sprintf("VMFUNC leaf %d: only leaf 0 (EPTP switching) exists", leaf), Catcher: backend.CatcherVMFUNC, CaughtBy: "VMFUNC emulation (vmm)"})
	}
	if index >= uint64(len(h.views)) || h.views[index] == nil {
		return h.stopViolation(&backend.Violation{Kind: backend.ViolationVMFUNCIndex, Domain: h.domain(view), RIP: regs.RIP, Address: index,
			Detail:  fmt.Sprintf("VMFUNC to EPTP index %d: the list has views %s", index, h.viewList()),
			Catcher: backend.CatcherVMFUNC, CaughtBy: "VMFUNC emulation (vmm)"})
	}
	regs.RIP += uint64(len(image.VMFUNCBytes))
	h.switches++
	return Action{Kind: Switch, View: int(index), Regs: regs, UserSregs: viaUD}
}

func (h *handler) viewList() string {
	var ids []int
	for i, v := range h.views {
		if v != nil {
			ids = append(ids, i)
		}
	}
	return fmt.Sprint(ids)
}
