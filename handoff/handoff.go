// Package handoff is the handoff backend: every protected library keeps
// its own EPT view for good, on a vCPU of its own (its own KVM VM over
// the shared memory, as vmm.New builds them), and a library
// call is handed from the caller's vCPU to the library's through a
// request slot both views map: no VMFUNC, and on the fast path no exit
// at all.
//
// The gate (guestlib/trusted/gate_handoff.S) posts the call and spins on
// the slot for a bounded time, then parks (a platform call: the VMM parks
// the vCPU's thread until it is rung). The library's vCPU runs the gate's
// serve loop in its own view: it copies each word of a request once,
// checks the copy as the vmfunc gate checks a call, runs the entry and
// publishes the result; with nothing to do for a while it parks too, and
// the next call rings it. Each spinning vCPU's thread is pinned to a host
// core of its own; with fewer cores than spinning vCPUs every wait parks.
package handoff

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"plib/backend"
	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/callbudget"
	"plib/internal/guestbin"
	"plib/internal/hostsys"
	"plib/internal/spinwait"
	"plib/vmm"
	"plib/vmm/kvm"
	"plib/vmm/vcpu"
)

// Backend is the handoff backend.
type Backend struct{}

// Switch is what a domain switch is under this backend.
const Switch = "cross-vCPU hand-off through a request slot (no VMFUNC)"

func init() { backend.Register(Backend{}, backend.Isolates, backend.StyleHandoff) }

// Name implements backend.Backend.
func (Backend) Name() string { return "handoff" }

// Probe implements backend.Backend.
func (Backend) Probe() backend.Mechanism {
	m := backend.Mechanism{Backend: "handoff", Switch: Switch}
	sys, err := vmm.CheckKVM()
	if err != nil {
		m.Mode, m.Unavailable = backend.Unavailable, err.Error()
		return m
	}
	sys.Close()
	m.Mode = backend.Hardware
	m.Detail = fmt.Sprintf("on hardware: EPT views the CPU enforces, and a call is a cross-vCPU hand-off (no VMFUNC, no exit on the fast "+
		"path); each library on a vCPU of its own; placement (%d usable host cores here): a core per spinning vCPU where there are enough; with "+
		"one instance and too few, the app and the first libraries pinned and the rest parking; otherwise unpinned and every wait parks (two "+
		"exits per call); a waiter spins for what waking a parked side costs here, then parks", len(usableCPUs()))
	m.Floor = spinFloor
	return m
}

// usableCPUs are the host cores this process may run on.
func usableCPUs() []int {
	cpus, err := hostsys.UsableCores()
	if err != nil {
		return []int{0}
	}
	return cpus
}

// slots are the request slots of img: one from every caller (the app
// and each library) to every other library.
func slots(img *image.Image) []eptviews.Region {
	callers := []*image.Domain{img.Domains[0]}
	callers = append(callers, img.Libraries()...)
	var out []eptviews.Region
	for _, lib := range img.Libraries() {
		for _, c := range callers {
			if c.ID == lib.ID {
				continue
			}
			out = append(out, eptviews.Region{Name: fmt.Sprintf("request slot %s->%s", domainName(img, c.ID), lib.Name),
				Owner: lib.ID, Peer: c.ID, Kind: eptviews.Request, GPA: abi.HandoffSlot(c.ID, lib.ID), Size: abi.PageSize})
		}
	}
	return out
}

func domainName(img *image.Image, id int) string {
	if id == 0 {
		return "app"
	}
	if id < len(img.Domains) && img.Domains[id] != nil {
		return img.Domains[id].Name
	}
	return fmt.Sprintf("domain%d", id)
}

// placement is where one instance's vCPUs run: a host core per view
// (-1: not pinned) and the spin bound in TSC cycles (0: every wait parks).
type placement struct {
	cpu    []int
	spin   uint64
	bound  *backend.SpinBound // what spin was set from (nil: every wait parks)
	detail string
	note   string
	floor  *backend.Floor
}

// The floors of a hand-off: a round trip through shared memory between
// two cores when both sides spin, and a ring and a park (two exits) when
// every wait parks.
var (
	spinFloor = &backend.Floor{Anchor: "spin", Times: 1, What: "a shared-memory round trip between two cores (each vCPU on its own)"}
	parkFloor = &backend.Floor{Anchor: "kvm-exit", Times: 2, What: "two exits: a ring and a park"}
)

// place decides where one instance's vCPUs run and how long they spin:
// under --wait=spin or auto, each spinning vCPU on a core of its own
// where there are enough (spin asked for on too few cores is
// unavailable); under --wait=sleep, or auto on too few cores, unpinned
// and every wait parks.
func place(img *image.Image, app int, views int, wait backend.WaitPolicy, budget time.Duration) (placement, error) {
	libs := img.Libraries()
	per := 1 + len(libs)
	spinning := max(img.Apps, 1) * per
	cpus := usableCPUs()
	p := placement{cpu: make([]int, views)}
	for i := range p.cpu {
		p.cpu[i] = -1
	}
	if wait == backend.WaitSpin && len(cpus) < spinning {
		return p, fmt.Errorf("%w: handoff --wait=spin: %d vCPUs would spin (%d application instance(s) x (app + %d libraries)) on %d usable host "+
			"cores", backend.ErrUnavailable, spinning, max(img.Apps, 1), len(libs), len(cpus))
	}
	if wait == backend.WaitAuto && len(cpus) < spinning && max(img.Apps, 1) == 1 && len(cpus) >= 2 {
		return placeSome(img, p, cpus, budget), nil
	}
	if wait == backend.WaitSleep || len(cpus) < spinning {
		why := "--wait=sleep"
		if wait != backend.WaitSleep {
			why = fmt.Sprintf("--wait=auto: %d spinning vCPUs (%d application instance(s) x (app + %d libraries)) but %d usable host cores",
				spinning, max(img.Apps, 1), len(libs), len(cpus))
			p.note = "handoff: " + why + ": no pinning, every wait parks (the sleep path)"
		}
		p.detail = fmt.Sprintf("on hardware: EPT views the CPU enforces, and a call is a cross-vCPU hand-off (no VMFUNC, no exit on the fast "+
			"path); vCPUs not pinned, every wait parks (%s)", why)
		p.floor = parkFloor
		return p, nil
	}
	base := app * per
	p.cpu[0] = cpus[base]
	var where []string
	for i, d := range libs {
		p.cpu[d.ID] = cpus[base+1+i]
		where = append(where, fmt.Sprintf("%s to core %d", d.Name, p.cpu[d.ID]))
	}
	b := spinwait.For(budget)
	p.spin, p.bound = b.Cycles, &b
	lib := "library vCPU pinned to core"
	if len(libs) == 1 {
		lib += fmt.Sprintf(" %d", p.cpu[libs[0].ID])
	} else {
		lib = "library vCPUs pinned: " + fmt.Sprint(where)
	}
	p.detail = fmt.Sprintf("on hardware: EPT views the CPU enforces, and a call is a cross-vCPU hand-off (no VMFUNC, no exit on the fast "+
		"path); %s (app on core %d); spin bound %d TSC cycles (%v: what waking a parked side costs here, %s)",
		lib, p.cpu[0], p.spin, time.Duration(b.WakeNS).Round(100*time.Nanosecond), boundHow(b))
	p.floor = spinFloor
	return p, nil
}

// placeSome is --wait=auto with one application instance and fewer cores
// than vCPUs: the app and the first libraries (by id: those the app
// calls, in the workloads here, are the busiest) get a core each and
// spin; the rest share the cores, their serve loops park at once, and a
// caller waiting on one of them parks at once too, freeing its core for
// it rather than spinning against it.
func placeSome(img *image.Image, p placement, cpus []int, budget time.Duration) placement {
	libs := img.Libraries()
	p.cpu[0] = cpus[0]
	var pinned, shared []string
	for i, d := range libs {
		if 1+i < len(cpus) {
			p.cpu[d.ID] = cpus[1+i]
			pinned = append(pinned, fmt.Sprintf("%s to core %d", d.Name, p.cpu[d.ID]))
		} else {
			shared = append(shared, d.Name)
		}
	}
	b := spinwait.For(budget)
	p.spin, p.bound = b.Cycles, &b
	p.detail = fmt.Sprintf("on hardware: EPT views the CPU enforces, and a call is a cross-vCPU hand-off (no VMFUNC, no exit on the fast "+
		"path); %d usable host cores for %d vCPUs: app on core %d and library vCPUs pinned: %v, spin bound %d TSC cycles (%v: what waking a "+
		"parked side costs here, %s); %v not pinned: each parks when idle, and its callers park at once (the sleep path for their calls)",
		len(cpus), 1+len(libs), p.cpu[0], pinned, p.spin, time.Duration(b.WakeNS).Round(100*time.Nanosecond), boundHow(b), shared)
	p.note = fmt.Sprintf("handoff: --wait=auto: %d vCPUs on %d usable host cores: app and %v pinned and spinning; %v parking", 1+len(libs),
		len(cpus), pinned, shared)
	p.floor = spinFloor
	return p
}

// boundHow says how a spin bound was set, for the mechanism's notes.
func boundHow(b backend.SpinBound) string {
	s := fmt.Sprintf("%s, %d wake-ups, quartiles %v-%v", b.Method, b.Samples,
		time.Duration(b.WakeP25NS).Round(100*time.Nanosecond), time.Duration(b.WakeP75NS).Round(100*time.Nanosecond))
	if b.Capped {
		s += "; capped at a quarter of the call budget"
	}
	return s
}

// RunInstance implements backend.Backend.
func (b Backend) RunInstance(ctx context.Context, img *image.Image, path string, opts backend.Options, inst backend.Instance) (*backend.Result, error) {
	mech := b.Probe()
	if !mech.Available() {
		return nil, fmt.Errorf("%w: handoff: %s", backend.ErrUnavailable, mech.Unavailable)
	}
	sys, err := vmm.CheckKVM()
	if err != nil {
		return nil, fmt.Errorf("%w: handoff: %v", backend.ErrUnavailable, err)
	}
	defer sys.Close()
	res := &backend.Result{Backend: "handoff", Mechanism: mech, Image: path}
	m, release, err := vmm.Load(sys, vmm.Config{Image: img, Gate: guestbin.GateHandoff, Supervisor: guestbin.Supervisor, Extra: slots(img)},
		res, opts, inst)
	if err != nil {
		return nil, err
	}
	defer release()
	pl, err := place(img, inst.App, m.NumViews(), opts.Wait, opts.CallBudget)
	if err != nil {
		return nil, err
	}
	res.Mechanism.Detail, res.Mechanism.Floor, res.Mechanism.Spin = pl.detail, pl.floor, pl.bound
	if pl.note != "" {
		res.Notes = append(res.Notes, pl.note)
	}
	if err := setup(m, img, pl); err != nil {
		return nil, err
	}
	r := &run{m: m, img: img, res: res, pl: pl, budget: opts.CallBudget, done: make(chan struct{}),
		wake: make([]futexWord, m.NumViews()), loops: make([]*vcpu.Loop, m.NumViews())}
	err = r.run(ctx, opts.Timeout)
	r.report()
	return res, err
}

// setup writes the header fields the gate reads (spin bound, the callers
// of each library) and starts every library's vCPU in the serve loop, on
// its own stack.
func setup(m *vmm.Machine, img *image.Image, pl placement) error {
	le := binary.LittleEndian
	for v := 0; v < m.NumViews(); v++ {
		if m.VCPU(v) == nil {
			continue
		}
		view := v
		word := func(off, val uint64) { // each header field at its own offset
			b := make([]byte, 8)
			le.PutUint64(b, val)
			m.WriteGuest(view, abi.GateData+off, b)
		}
		var out uint64
		for _, d := range img.Libraries() {
			if d.ID != v {
				out |= 1 << d.ID
			}
		}
		spin := func(view int) uint64 { // a vCPU spins only on a core of its own
			if pl.cpu[view] < 0 {
				return 0
			}
			return pl.spin
		}
		word(abi.HdrSpin, spin(v))
		for _, d := range img.Libraries() {
			word(abi.HdrSpinTo+8*uint64(d.ID), min(spin(v), spin(d.ID)))
		}
		word(abi.HdrSlotMap, out)
		if v != 0 {
			callers := uint64(1)
			for _, d := range img.Libraries() {
				if d.ID != v {
					callers |= 1 << d.ID
				}
			}
			word(abi.HdrCallers, callers)
		}
	}
	for _, d := range img.Libraries() {
		regs := &kvm.Regs{RIP: abi.GateIn, RSP: d.Slot(), RFLAGS: 2}
		if err := m.VCPU(d.ID).SetRegs(regs); err != nil {
			return fmt.Errorf("start %s's vCPU: %w", d.Name, err)
		}
	}
	return nil
}

// run is one instance's vCPUs, each on its own thread.
type run struct {
	m      *vmm.Machine
	img    *image.Image
	res    *backend.Result
	pl     placement
	budget time.Duration

	mu    sync.Mutex // the exit handler and the loops
	loops []*vcpu.Loop
	wake  []futexWord   // a ring per view (a ring before the park is kept)
	done  chan struct{} // closed when the run ends
	once  sync.Once
	end   outcome

	parks, ringsLib, ringsCaller atomic.Uint64
	seen                         map[int]budgetSeen // the watchdog's: each library's open call
}

// outcome is how the run ended.
type outcome struct {
	err       error
	stop      *backend.Stop
	timeout   bool
	overView  int // OverBudget: the library whose call ran over
	overEntry int
}

// stop ends the run with o (the first stop wins) and kicks every vCPU.
func (r *run) stop(o outcome) {
	r.once.Do(func() {
		r.end = o
		close(r.done)
		for v := range r.wake { // a parked vCPU thread wakes, sees done and ends
			r.wake[v].ring()
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, l := range r.loops {
			if l != nil {
				l.Kick(vcpu.Cancelled)
			}
		}
	})
}

func (r *run) run(ctx context.Context, timeout time.Duration) error {
	start := time.Now()
	defer func() { r.res.WallSeconds = time.Since(start).Seconds() }()
	if timeout > 0 {
		t := time.AfterFunc(timeout, func() { r.stop(outcome{timeout: true}) })
		defer t.Stop()
	}
	defer context.AfterFunc(ctx, func() { r.stop(outcome{err: fmt.Errorf("run stopped: %w", ctx.Err())}) })()
	if r.budget > 0 {
		go callbudget.Watch(r.done, r.budget, r.overBudget)
	}
	var wg sync.WaitGroup
	for v := 0; v < r.m.NumViews(); v++ {
		if r.m.VCPU(v) == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.vcpu(ctx, v)
		}()
	}
	wg.Wait()
	r.m.Collect()
	switch o := r.end; {
	case o.timeout:
		r.res.TimedOut = true
		r.res.Violation = &backend.Violation{Kind: backend.ViolationTimeout, Domain: "app", RIP: r.m.VCPU(0).Sync().Regs.RIP,
			Detail: fmt.Sprintf("the workload ran longer than %v", timeout), Catcher: backend.CatcherTimer, CaughtBy: vcpu.CaughtByTimer}
	case o.overView > 0:
		v := callbudget.Violation(r.img, o.overEntry, r.budget, vcpu.CaughtByWatchdog)
		v.RIP = r.m.VCPU(o.overView).Sync().Regs.RIP
		r.res.Violation = v
	case o.err != nil:
		return o.err
	case o.stop != nil && o.stop.Violation != nil:
		r.res.Violation = o.stop.Violation
	case o.stop != nil:
		r.res.Exited, r.res.ExitCode = true, o.stop.Code
	}
	return nil
}

// vcpu runs view v's vCPU on a thread of its own until the run ends.
func (r *run) vcpu(ctx context.Context, v int) {
	c := r.m.VCPU(v)
	loop := vcpu.Start(ctx, 0, c) // locks this goroutine to its thread
	defer loop.Stop()
	r.mu.Lock()
	r.loops[v] = loop
	r.mu.Unlock()
	select {
	case <-r.done: // stopped before this vCPU registered: kick it ourselves
		loop.Kick(vcpu.Cancelled)
	default:
	}
	if cpu := r.pl.cpu[v]; cpu >= 0 {
		// The thread goes back to Go's pool when the loop stops: give it
		// back its old cores first, or a later run's goroutines (the next
		// backend's vCPUs, the collector) would all share this one core.
		restore, err := hostsys.PinThread(cpu)
		if err != nil {
			r.stop(outcome{err: fmt.Errorf("pin %s's vCPU: %w", domainName(r.img, v), err)})
			return
		}
		defer restore()
	}
	for {
		stopped, err := loop.Run(c)
		if stopped != vcpu.Running {
			return // r.stop (or the context) kicked it: the outcome is recorded
		}
		if err != nil {
			r.stop(outcome{err: fmt.Errorf("KVM_RUN in view %s: %w", domainName(r.img, v), err)})
			return
		}
		if c.ExitReason() == kvm.ExitIO {
			if io := c.IO(); io.Port == abi.PortSys && io.Direction == kvm.IOOut {
				switch regs := &c.Sync().Regs; regs.RDI {
				case abi.SysPark:
					r.parks.Add(1)
					if !r.wake[v].park(r.done) {
						return
					}
					continue
				case abi.SysRing:
					// Any view may ring any other: a ring only makes it look.
					if t := regs.RSI; t < uint64(len(r.wake)) && r.m.VCPU(int(t)) != nil {
						if regs.RIP >= abi.GateIn { // from the serve loop: a result for a parked caller
							r.ringsCaller.Add(1)
						} else { // from the call: a request for a parked library
							r.ringsLib.Add(1)
						}
						r.wake[t].ring()
					}
					continue
				}
			}
		}
		r.mu.Lock()
		act := r.m.HandleExit(v)
		r.mu.Unlock()
		switch act.Kind {
		case vmm.Resume:
			if act.SetRAX {
				c.Sync().Regs.RAX = act.RAX
				c.MarkDirty(kvm.SyncRegs)
			}
		case vmm.Switch:
			r.stop(outcome{err: fmt.Errorf("a VMFUNC in view %s under handoff, which has none", domainName(r.img, v))})
			return
		case vmm.Stop:
			if act.Err != nil {
				r.stop(outcome{err: act.Err})
			} else {
				r.stop(outcome{stop: act.Stop})
			}
			return
		}
	}
}

// overBudget is the call-budget watchdog: it reads each library's open
// call from its trusted slot (which only the library's view maps: the
// application cannot write it) and times it from the first look that saw
// it open.
func (r *run) overBudget() bool {
	if r.seen == nil {
		r.seen = map[int]budgetSeen{}
	}
	now := time.Now()
	for _, d := range r.img.Libraries() {
		b, err := r.m.ReadGuest(d.ID, d.Slot(), abi.SlotBytes)
		if err != nil {
			continue
		}
		le := binary.LittleEndian
		start, entry, n := le.Uint64(b[abi.SlotStart:]), le.Uint64(b[abi.SlotEntry:]), le.Uint64(b[abi.SlotEntries:])
		s := r.seen[d.ID]
		switch {
		case start == 0:
			delete(r.seen, d.ID)
		case !s.open || s.calls != n:
			r.seen[d.ID] = budgetSeen{open: true, calls: n, at: now}
		case now.Sub(s.at) > r.budget && !backend.HolderGrace(r.m.Platform(), now.Sub(s.at), r.budget):
			// (a call that waits on another instance's lock is owed one
			// more budget, in which the holder is stopped first)
			r.stop(outcome{overView: d.ID, overEntry: int(entry)})
			return true
		}
	}
	return false
}

type budgetSeen struct {
	open  bool
	calls uint64
	at    time.Time
}

// report adds the hand-offs' fast and slow paths to the result.
func (r *run) report() {
	var calls uint64
	for _, d := range r.img.Libraries() {
		if b, err := r.m.ReadGuest(d.ID, d.Slot()+abi.SlotEntries, 8); err == nil {
			calls += binary.LittleEndian.Uint64(b)
		}
	}
	if r.res.Exits == nil {
		r.res.Exits = map[string]uint64{}
	}
	r.res.Exits["handoff_park"] = r.parks.Load()
	r.res.Exits["handoff_ring"] = r.ringsLib.Load() + r.ringsCaller.Load()
	slow := min(calls, r.ringsLib.Load()+r.ringsCaller.Load())
	r.res.Paths = &backend.PathCounts{Fast: calls - slow, Slow: slow,
		CountedBy: "the VMM: calls from the libraries' trusted slots, slow path at most the rings of a parked side"}
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(
		"handoff: %d library calls; fast path (no exit) %d, slow path at most %d (%d rang a parked library, %d woke a parked caller); %d parks",
		calls, calls-slow, slow, r.ringsLib.Load(), r.ringsCaller.Load(), r.parks.Load()))
}

// futexWord is how a parked vCPU thread is woken: a word the park waits
// on with FUTEX_WAIT and a ring sets and FUTEX_WAKEs. The vCPU goroutine
// is locked to its thread, so the wake goes straight to that thread,
// with no goroutine hand-off in the Go scheduler on either side.
type futexWord struct {
	rung uint32   // read and written atomically
	_    [60]byte // a cache line of its own
}

// ring makes the word's parked thread (or its next park) return.
func (w *futexWord) ring() {
	if atomic.SwapUint32(&w.rung, 1) == 0 {
		hostsys.Private.Wake(&w.rung, 1)
	}
}

// park waits until the word is rung and consumes the ring; false when the
// run has ended meanwhile.
func (w *futexWord) park(done <-chan struct{}) bool {
	for atomic.SwapUint32(&w.rung, 0) == 0 {
		hostsys.Private.Wait(&w.rung, 0, hostsys.Forever)
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}
