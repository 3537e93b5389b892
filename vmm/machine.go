package vmm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"plib/backend"
	"plib/caps"
	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/callbudget"
	"plib/internal/hostsys"
	"plib/vmm/kvm"
	"plib/vmm/vcpu"
)

// Machine is one loaded workload: a KVM VM per view over shared memory,
// each with one vCPU, all run in turn by one OS thread.
type Machine struct {
	img      *image.Image
	mem      *guestMemory
	vms      []*kvm.VM   // by view id; nil where no view
	vcpus    []*kvm.VCPU // by view id
	user     Sregs       // ring-3 state every view starts with
	xcr0     uint64      // the guest's XCR0 (0: no XSAVE, x87 and SSE only)
	fsgsbase bool        // KVM offers the guest WRFSBASE: CR4.FSGSBASE is set
	// segs is each view's own FS and GS (selector and base), kept across
	// switches: a switch never carries the caller's into the callee.
	segs    [][2]Segment
	handler *handler
	result  *backend.Result
	// CallBudget bounds one library call: from the app's switch into a
	// library to the switch back (nested calls included). 0: no bound.
	CallBudget time.Duration
	scribbler  *hostsys.Scribbler // plib_scribble's writer, while one runs
	plat       *backend.Platform
}

// Platform is the platform that answers the machine's platform calls.
func (m *Machine) Platform() *backend.Platform { return m.plat }

// Config is what a machine is built from.
type Config struct {
	Image      *image.Image      // the workload
	Gate       []byte            // the backend's trusted gate page
	Supervisor []byte            // the guest's supervisor
	Platform   *backend.Platform // answers the guest's platform calls; its Result is what the machine fills
	// App is the application instance of a PLIB_APPS image this machine
	// runs (0 for an image of one).
	App int
	// Shared, if not nil, backs the libraries' data and heap (see
	// backend.Run), so that every instance's views see the same pages.
	Shared *os.File
	// Secrets are the libraries' provisioned secrets (backend.Options),
	// written into their TLS blocks before the guest runs.
	Secrets backend.Secrets
	// Extra are regions above the image (a backend's own pages, such as
	// the handoff backend's request slots), mapped in the views
	// eptviews' rules give them, backed by zeroed guest memory.
	Extra []eptviews.Region
}

// New loads cfg.Image into fresh VMs of sys, one per view, installing
// the gate and the supervisor.
func New(sys *kvm.System, cfg Config) (_ *Machine, err error) {
	img, p := cfg.Image, cfg.Platform
	layout, views, err := buildViews(img, cfg.Supervisor, cfg.Extra)
	if err != nil {
		return nil, err
	}
	mem, err := newGuestMemory(img, views, cfg.Extra)
	if err != nil {
		return nil, err
	}
	if cfg.Shared != nil {
		if err := mem.share(img, cfg.Shared); err != nil {
			mem.close()
			return nil, err
		}
	}
	m := &Machine{img: img, mem: mem, result: p.Result, plat: p, xcr0: guestXCR0(sys), fsgsbase: sys.SupportsFSGSBASE(),
		vms: make([]*kvm.VM, len(views)), vcpus: make([]*kvm.VCPU, len(views)), segs: make([][2]Segment, len(views))}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	mem.load(img, layout, cfg.Gate, cfg.App, caps.XFeatures(m.xcr0))
	// Every domain's TLS block gets its self pointer and a canary of this
	// run's (a shared library's came with the shared data, once for every
	// instance); each view's FS base points at its domain's block.
	if err := backend.PlaceTLS(img, cfg.Shared != nil, cfg.Secrets, func(addr uint64, h []byte) { mem.write(0, addr, h) }); err != nil {
		return nil, err
	}
	for id, v := range views {
		if v == nil {
			continue
		}
		if err := m.createView(sys, id, v); err != nil {
			return nil, fmt.Errorf("view %d (%s): %w", id, domainName(img, id), err)
		}
	}
	m.handler = newHandler(img, layout, views, mem, p)
	return m, nil
}

func (m *Machine) createView(sys *kvm.System, id int, v *eptviews.View) error {
	vm, err := vcpu.NewVM(sys)
	if err != nil {
		return err
	}
	m.vms[id] = vm
	for slot, mp := range v.Mappings {
		off, ok := m.mem.offset(id, mp.GPA)
		if !ok {
			return fmt.Errorf("mapping %s at %#x has no backing memory", mp.Name, mp.GPA)
		}
		host := m.mem.hostAddr(off)
		if soff, shared := m.mem.sharedAt(mp.GPA); shared && mp.Owner != 0 && mp.Kind == eptviews.Data {
			host = m.mem.sharedAddr(soff) // a library's data, shared by the application instances
		}
		var flags uint32
		if !mp.Writable {
			flags = kvm.MemReadonly
		}
		if err := vm.SetMemory(uint32(slot), flags, mp.GPA, mp.Size, host); err != nil {
			return err
		}
	}
	c, err := vcpu.NewVCPU(vm)
	if err != nil {
		return err
	}
	m.vcpus[id] = c
	s, err := c.GetSregs()
	if err != nil {
		return fmt.Errorf("KVM_GET_SREGS: %w", err)
	}
	userSregs(s, m.xcr0, m.fsgsbase)
	s.FS.Base = m.img.Domains[id].TLS() // the view's thread pointer, which a switch keeps
	m.segs[id] = [2]Segment{s.FS, s.GS}
	if m.xcr0 != 0 {
		if err := c.SetXCR0(m.xcr0); err != nil {
			return err
		}
	}
	m.user = *s
	if err := c.SetSregs(s); err != nil {
		return fmt.Errorf("KVM_SET_SREGS: %w", err)
	}
	app := m.img.Domains[0]
	regs := &Regs{RIP: m.img.Entry, RSP: app.Stack.End(), RFLAGS: 2}
	if err := c.SetRegs(regs); err != nil {
		return fmt.Errorf("KVM_SET_REGS: %w", err)
	}
	c.SetValidRegs(kvm.SyncRegs | kvm.SyncSregs)
	return nil
}

// BuildViews lays out img's guest memory (with the supervisor sup) and
// derives one view per domain.
func BuildViews(img *image.Image, sup []byte) (*Layout, eptviews.Views, error) {
	return buildViews(img, sup, nil)
}

func buildViews(img *image.Image, sup []byte, extra []eptviews.Region) (*Layout, eptviews.Views, error) {
	layout, err := newLayout(img, sup, extra)
	if err != nil {
		return nil, nil, err
	}
	domains := []int{0}
	for _, d := range img.Libraries() {
		domains = append(domains, d.ID)
	}
	views, err := eptviews.Build(layout.Regions, domains)
	if err != nil {
		return nil, nil, err
	}
	return layout, views, nil
}

// Close releases the VMs and guest memory.
func (m *Machine) Close() error {
	var errs []error
	for i := range m.vcpus {
		if m.vcpus[i] != nil {
			errs = append(errs, m.vcpus[i].Close())
		}
		if m.vms[i] != nil {
			errs = append(errs, m.vms[i].Close())
		}
	}
	if m.mem != nil {
		errs = append(errs, m.mem.close())
	}
	return errors.Join(errs...)
}

// TSCHz is the guest's time-stamp counter frequency.
func (m *Machine) TSCHz() float64 {
	khz, err := m.vcpus[0].TSCKHz()
	if err != nil {
		return 0
	}
	return float64(khz) * 1000
}

// Run runs the workload to its exit, a violation, the timeout or ctx's
// end, on the calling goroutine's OS thread.
func (m *Machine) Run(ctx context.Context, timeout time.Duration) error {
	loop := vcpu.Start(ctx, timeout, m.vcpus...)
	defer loop.Stop()
	defer m.stopScribble()
	var callStart, callEntry atomic.Int64 // the app's open library call (start 0: none)
	if m.CallBudget > 0 {
		done := make(chan struct{})
		defer close(done)
		go callbudget.Watch(done, m.CallBudget, func() bool {
			start, now := callStart.Load(), time.Now().UnixNano()
			if !callbudget.Over(start, now, int64(m.CallBudget)) {
				return false
			}
			if backend.HolderGrace(m.plat, time.Duration(now-start), m.CallBudget) {
				return false // it waits on another instance's lock: the holder is stopped first
			}
			loop.Kick(vcpu.OverBudget)
			return true
		})
	}
	cur := 0
	start := time.Now()
	defer func() { m.result.WallSeconds = time.Since(start).Seconds() }()
	for {
		c := m.vcpus[cur]
		stopped, err := loop.Run(c)
		if stopped != vcpu.Running {
			m.collect()
			switch stopped {
			case vcpu.OverBudget:
				v := callbudget.Violation(m.img, int(callEntry.Load()), m.CallBudget, vcpu.CaughtByWatchdog)
				v.RIP = c.Sync().Regs.RIP
				m.result.Violation = v
			case vcpu.Timeout:
				m.result.TimedOut = true
				m.result.Violation = loop.TimeoutViolation(domainName(m.img, cur), c.Sync().Regs.RIP)
			}
			return err
		}
		if err != nil {
			m.collect()
			return fmt.Errorf("KVM_RUN in view %s: %w", domainName(m.img, cur), err)
		}
		e := m.snapshot(cur)
		act := m.handler.Handle(&e)
		switch act.Kind {
		case Resume:
			if act.SetRAX {
				c.Sync().Regs.RAX = act.RAX
				c.MarkDirty(kvm.SyncRegs)
			}
		case Switch:
			if cur == 0 && act.View != 0 { // the app calls: the entry index is in rdi
				callEntry.Store(int64(act.Regs.RDI))
				callStart.Store(time.Now().UnixNano())
			} else if act.View == 0 {
				callStart.Store(0)
			}
			m.switchTo(cur, act)
			cur = act.View
		case Stop:
			m.collect()
			if act.Err != nil {
				return act.Err
			}
			if act.Stop.Violation != nil {
				m.result.Violation = act.Stop.Violation
			} else {
				m.result.Exited, m.result.ExitCode = true, act.Stop.Code
			}
			return nil
		}
	}
}

// switchTo moves the vCPU state into the target view's vCPU through sync
// regs: the registers always, the segment and control state only when it
// differs from what the target last ran with (it almost never does).
// FS and GS are not moved: each view keeps its own, as the CPU's VMFUNC
// would not give them a meaning of their own but a paravirtual KVM lets
// ring 3 write their bases (WRFSBASE) whatever CR4.FSGSBASE says. The
// caller's are kept for its return, the callee gets what it last had.
func (m *Machine) switchTo(from int, act Action) {
	src, dst := m.vcpus[from].Sync(), m.vcpus[act.View]
	d := dst.Sync()
	d.Regs = act.Regs
	dst.MarkDirty(kvm.SyncRegs)
	m.segs[from] = [2]Segment{src.Sregs.FS, src.Sregs.GS}
	want := src.Sregs
	if act.UserSregs {
		want = m.user
	}
	want.FS, want.GS = m.segs[act.View][0], m.segs[act.View][1]
	if d.Sregs != want {
		d.Sregs = want
		dst.MarkDirty(kvm.SyncSregs)
	}
}

func (m *Machine) snapshot(view int) Exit {
	c := m.vcpus[view]
	s := c.Sync()
	e := Exit{View: view, Reason: c.ExitReason(), Regs: s.Regs, Sregs: s.Sregs}
	switch e.Reason {
	case kvm.ExitIO:
		e.IO = c.IO()
	case kvm.ExitMMIO:
		e.MMIO = c.MMIO()
	case kvm.ExitInternalError:
		e.Internal = c.Internal()
	}
	return e
}

func (m *Machine) collect() {
	m.result.Exits = m.handler.exits.Map()
	m.result.ViewSwitches = m.handler.switches
	m.result.GateSwitches = m.gateSwitches()
}

// gateSwitches sums the switches the gate counted in every library's
// trusted slot (entries and returns), read as the library's view sees it.
func (m *Machine) gateSwitches() uint64 {
	var n uint64
	for _, d := range m.img.Libraries() {
		slot := d.Slot()
		b, err := m.mem.Read(d.ID, slot+abi.SlotEntries, 16, SupervisorRead)
		if err != nil {
			continue
		}
		n += binary.LittleEndian.Uint64(b) + binary.LittleEndian.Uint64(b[8:])
	}
	return n
}

// plantCanary writes the oracle's secret into every library's trusted
// slot, as the library's view sees it (backend.Options.Canary).
func (m *Machine) plantCanary(canary []byte) {
	for _, d := range m.img.Libraries() {
		m.mem.write(d.ID, d.Slot()+backend.CanarySlotOff, canary)
	}
}

// findCanary looks for the canary in all the application could write
// out (backend.FindCanary) and checks each library still holds it.
func (m *Machine) findCanary(canary, printed []byte) string {
	var regions []backend.Region
	for _, s := range m.img.Sections {
		if s.Domain == 0 && (s.Kind == image.KindData || s.Kind == image.KindStack) || s.Kind == image.KindArgs {
			if b, err := m.mem.Read(0, s.Addr, s.Size, UserRead); err == nil {
				regions = append(regions, backend.Region{Name: "the application's memory (" + s.Name + ")", Mem: b})
			}
		}
	}
	if where := backend.FindCanary(canary, printed, m.result, regions); where != "" {
		return where
	}
	for _, d := range m.img.Libraries() {
		b, err := m.mem.Read(d.ID, d.Slot()+backend.CanarySlotOff, backend.CanaryBytes, SupervisorRead)
		if err != nil || !bytes.Equal(b, canary) {
			return "changed in library " + d.Name + "'s memory"
		}
	}
	return ""
}

// ReadLibraryMemory returns a copy of library lib's data section as the
// library's own view sees it (for tests: proof that nothing changed).
func (m *Machine) ReadLibraryMemory(lib int) ([]byte, error) {
	d := m.img.Domains[lib]
	if d == nil || d.Data == nil {
		return nil, fmt.Errorf("library %d has no data section", lib)
	}
	return m.mem.Read(lib, d.Data.Addr, d.Data.Size, UserRead)
}
