package hostproc

import (
	"fmt"
	"os"
	"time"

	"plib/backend"
	"plib/caps"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/callbudget"
)

// What a backend's Supervision may read of, and do to, its image process.

// Image is the image the process runs.
func (r *Supervised) Image() *image.Image { return r.p.img }

// Lib is the domain the process runs the code of (Layout.Lib).
func (r *Supervised) Lib() int { return r.p.lib }

// App is the application instance the process belongs to.
func (r *Supervised) App() int { return r.app }

// PinCore is 1 + the core the process is held on, 0 if it is not held
// (ChildPlan.PinCore).
func (r *Supervised) PinCore() int { return r.pinCore }

// Pid is the process's id while it runs, 0 before it starts and once it
// is gone.
func (r *Supervised) Pid() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pid
}

// Platform is the platform serving the process's calls.
func (r *Supervised) Platform() *backend.Platform { return r.plt }

// Done is closed when the run has ended.
func (r *Supervised) Done() <-chan struct{} { return r.done }

// Note adds a note to the run's result.
func (r *Supervised) Note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Notes = append(r.res.Notes, s)
}

// Stop ends the run with v, if nothing has ended it yet, and the process
// with it.
func (r *Supervised) Stop(v *backend.Violation) { r.stop(v, false, 0) }

// OpenProcFile opens /proc/PID/name of the process (pid, as Started has
// it): what, which names it in an error, stays readable after the loader
// has locked the process down if it is opened at its start. The runtime
// closes it when the run ends.
func (r *Supervised) OpenProcFile(pid int, name, what string) (*os.File, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/%s", pid, name))
	if err != nil {
		return nil, fmt.Errorf("open the image's process's %s: %w", what, err)
	}
	r.procFiles = append(r.procFiles, f)
	return f, nil
}

// SectionAt is the image's section that holds addr, nil if none does.
func (r *Supervised) SectionAt(addr uint64) *image.Section { return r.p.sectionAt(addr) }

// DomainAt is the domain whose code holds addr; code in the gate runs
// for the domain the process runs (Lib).
func (r *Supervised) DomainAt(addr uint64) int { return r.p.domainAt(addr) }

// Word reads the image's word at addr, which the process may be writing.
func (r *Supervised) Word(addr uint64) uint64 { return load64(r.p.mem, int(addr-abi.ImageBase)) }

// OpenCall reads library lib's open call from its trusted slot: its start
// (0: none) and entry. The gate writes the two words one after the other,
// so a read between them could pair a start with another call's entry:
// the start is read again after the entry, and the entry must be one of
// lib's own; ok is false when the two did not hold still, or when no
// call is open.
func (r *Supervised) OpenCall(lib int) (start uint64, entry int, ok bool) { return r.p.openCall(lib) }

// TSC reads the time-stamp counter: the clock the gates record a library
// call's start in.
func TSC() uint64 { return tsc() }

// SlotCaller is the caller of a platform call where the gate records
// each open call in its library's trusted slot while the library is
// open, and only the library's rights can write the slot: the innermost
// open call's library, or the application when none is open. The page
// the call arrives on is the image's to write, so it says nothing about
// that.
func (r *Supervised) SlotCaller() int {
	best, when := 0, uint64(0)
	for _, d := range r.p.img.Libraries() {
		slot := int(d.Slot() - abi.ImageBase)
		if t := load64(r.p.mem, slot+abi.SlotStart); t != 0 && t >= when {
			best, when = d.ID, t
		}
	}
	return best
}

// SlotWatchdog is the watchdog (Supervision.Watchdog) of a process whose
// gate records each open call's start in its library's slot, which the
// image cannot write: it ends a library call that runs past budget.
func (r *Supervised) SlotWatchdog(budget time.Duration) func() {
	cycles := uint64(budget.Seconds() * caps.TSCHz())
	return func() {
		callbudget.Watch(r.done, budget, func() bool {
			for _, d := range r.p.img.Libraries() {
				start, entry, ok := r.p.openCall(d.ID)
				now := tsc()
				if !ok || !callbudget.Over(start, now, cycles) {
					continue
				}
				age := time.Duration(float64(now-start) / caps.TSCHz() * 1e9)
				if backend.HolderGrace(r.plt, age, budget) {
					continue // it waits on another instance's lock: the holder is stopped first
				}
				r.stop(callbudget.Violation(r.p.img, entry, budget, "host watchdog (the image's process was ended)"), false, 0)
				return true
			}
			return false
		})
	}
}

// openCall is Supervised.OpenCall.
func (p *process) openCall(lib int) (start uint64, entry int, ok bool) {
	slot := int(p.img.Domains[lib].Slot() - abi.ImageBase)
	start = load64(p.mem, slot+abi.SlotStart)
	e := load64(p.mem, slot+abi.SlotEntry)
	if start == 0 || load64(p.mem, slot+abi.SlotStart) != start || e >= abi.MaxEntries {
		return start, 0, false
	}
	if _, owner := p.img.EntryName(int(e)); owner != p.img.Domains[lib].Name {
		return start, 0, false
	}
	return start, int(e), true
}
