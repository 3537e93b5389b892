package mprotect

import (
	"context"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/image"
)

// closedPages is the mprotect backend's isolation (hostproc.Isolation):
// a library's pages are PROT_NONE outside its calls and its gate opens
// them with mprotect (the filter admits exactly those mprotect calls); a
// library's big data lives in transparent huge pages where the host has
// them.
type closedPages struct{}

// RunInstance implements hostproc.Isolation: one image process.
func (closedPages) RunInstance(ctx context.Context, r *hostproc.Run) (*backend.Result, error) {
	return r.RunApp(ctx, hostproc.ChildPlan{})
}

// Load implements hostproc.Isolation: every library page but its argument area
// closed, the library's data in huge pages where it can be, and the
// gate's mprotect calls admitted.
func (closedPages) Load(l *hostproc.Layout) (hostproc.Supervision, error) {
	thpOK, thpWhy := thpStatus()
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
func gateMprotects(img *image.Image) []hostproc.MprotectCall {
	var out []hostproc.MprotectCall
	for _, d := range img.Libraries() {
		priv := d.Private()
		out = append(out,
			hostproc.MprotectCall{Addr: d.Text.Addr, Size: d.Text.Size, Prot: unix.PROT_READ | unix.PROT_EXEC},
			hostproc.MprotectCall{Addr: d.Text.Addr, Size: d.Text.Size, Prot: unix.PROT_NONE},
			hostproc.MprotectCall{Addr: priv.Addr, Size: priv.Size, Prot: unix.PROT_READ | unix.PROT_WRITE},
			hostproc.MprotectCall{Addr: priv.Addr, Size: priv.Size, Prot: unix.PROT_NONE})
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

// Started implements hostproc.Supervision: it opens the process's smaps.
func (s *closedSupervision) Started(p *hostproc.Supervised, pid int) error {
	f, err := p.OpenProcFile(pid, "smaps", "smaps")
	s.smaps = f
	return err
}

// Caller implements hostproc.Supervision: a library's slot records an open call
// only while the gate has opened the library.
func (*closedSupervision) Caller(p *hostproc.Supervised) int { return p.SlotCaller() }

// Watchdog implements hostproc.Supervision: the gate records each call in the
// library's slot.
func (*closedSupervision) Watchdog(p *hostproc.Supervised, budget time.Duration) func() {
	return p.SlotWatchdog(budget)
}

// Fault implements hostproc.Supervision: the runtime's account of a fault is the
// whole of it.
func (*closedSupervision) Fault(*hostproc.Supervised, *backend.Violation, unix.Signal, int64) {}

// Notes implements hostproc.Supervision: each library's page size.
func (s *closedSupervision) Notes(p *hostproc.Supervised) []string { return s.pageReport(p.Image()) }
