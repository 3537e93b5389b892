package hostproc

import (
	"context"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/image"
)

// ClosedPages is the mprotect backend's isolation: a library's pages are
// PROT_NONE outside its calls and its gate opens them with mprotect (the
// filter admits exactly those mprotect calls); a library's big data lives
// in transparent huge pages where the host has them.
var ClosedPages Isolation = closedPages{}

type closedPages struct{}

// RunInstance implements Isolation: one image process.
func (closedPages) RunInstance(ctx context.Context, r *Run) (*backend.Result, error) {
	return r.RunApp(ctx, ChildPlan{})
}

// Load implements Isolation: every library page but its argument area
// closed, the library's data in huge pages where it can be, and the
// gate's mprotect calls admitted.
func (closedPages) Load(l *Layout) (Supervision, error) {
	thpOK, thpWhy := THPStatus()
	s := &closedSupervision{noHuge: map[int]string{}}
	for i := range l.Regions {
		r := &l.Regions[i]
		sec := r.Section
		if sec == nil || sec.Domain <= 0 || sec.Kind == image.KindArgs {
			continue
		}
		r.Prot = unix.PROT_NONE // the mprotect gate opens it for the length of a call
		if sec.Kind != image.KindData {
			continue
		}
		ok, why := hugeEligible(sec, r.Shared)
		switch {
		case !thpOK:
			s.noHuge[sec.Domain] = thpWhy
		case !ok:
			s.noHuge[sec.Domain] = why
		default:
			r.Huge = true
		}
	}
	l.Mprotects = gateMprotects(l.Image)
	return s, nil
}

// gateMprotects lists every mprotect the mprotect gate may make on img.
func gateMprotects(img *image.Image) []MprotectCall {
	var out []MprotectCall
	for _, d := range img.Libraries() {
		priv := d.Private()
		out = append(out,
			MprotectCall{d.Text.Addr, d.Text.Size, unix.PROT_READ | unix.PROT_EXEC},
			MprotectCall{d.Text.Addr, d.Text.Size, unix.PROT_NONE},
			MprotectCall{priv.Addr, priv.Size, unix.PROT_READ | unix.PROT_WRITE},
			MprotectCall{priv.Addr, priv.Size, unix.PROT_NONE})
	}
	return out
}

// closedSupervision is the mprotect backend's part in supervising an
// image process: the page size each library's private memory ended up in
// is read from the process's smaps (opened at its start, while it may
// still be opened) and reported when the run stops.
type closedSupervision struct {
	noHuge map[int]string // library -> why its data asked for no huge pages
	smaps  *os.File
}

// Started implements Supervision: it opens the process's smaps.
func (s *closedSupervision) Started(p *Supervised, pid int) error {
	f, err := p.OpenProcFile(pid, "smaps", "smaps")
	s.smaps = f
	return err
}

// Caller implements Supervision: a library's slot records an open call
// only while the gate has opened the library.
func (*closedSupervision) Caller(p *Supervised) int { return p.SlotCaller() }

// Watchdog implements Supervision: the gate records each call in the
// library's slot.
func (*closedSupervision) Watchdog(p *Supervised, budget time.Duration) func() {
	return p.SlotWatchdog(budget)
}

// Fault implements Supervision: the runtime's account of a fault is the
// whole of it.
func (*closedSupervision) Fault(*Supervised, *backend.Violation, unix.Signal, int64) {}

// Notes implements Supervision: each library's page size.
func (s *closedSupervision) Notes(p *Supervised) []string { return s.pageReport(p.Image()) }
