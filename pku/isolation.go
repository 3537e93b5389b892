package pku

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/image"
	"plib/internal/abi"
)

// keyedPages is the pku backend's isolation (hostproc.Isolation): each
// library's pages carry a protection key of their own, which its gate
// opens with WRPKRU for the length of a call; the supervisor scans the
// process for WRPKRU and XRSTOR before it runs.
type keyedPages struct{}

// linuxInitPKRU is the PKRU a new Linux process starts with: every key but
// 0 access-disabled (the kernel's init_pkru default).
const linuxInitPKRU = 0x55555554

// segvPKUErr is SIGSEGV's si_code for an access a protection key refused.
const segvPKUErr = 4

// RunInstance implements hostproc.Isolation: one image process.
func (keyedPages) RunInstance(ctx context.Context, r *hostproc.Run) (*backend.Result, error) {
	return r.RunApp(ctx, hostproc.ChildPlan{})
}

// Load implements hostproc.Isolation: library n's pages carry key n (the loader
// allocates keys 1..n in order, access- and write-disabled), and each
// domain's PKRU goes into the header, where the gate checks every WRPKRU
// against it. The loader stops once mapped, for the scan.
func (keyedPages) Load(l *hostproc.Layout) (hostproc.Supervision, error) {
	keys := map[int]uint64{}
	l.AppPKRU = linuxInitPKRU
	for i, d := range l.Image.Libraries() {
		keys[d.ID] = uint64(i + 1)
		l.AppPKRU |= 3 << (2 * (i + 1))
	}
	l.Keys = uint64(len(keys))
	binary.LittleEndian.PutUint64(l.Header[abi.HdrPKRU:], l.AppPKRU)
	for id, k := range keys {
		binary.LittleEndian.PutUint64(l.Header[abi.HdrPKRU+8*id:], l.AppPKRU&^(3<<(2*k)))
	}
	for i := range l.Regions {
		r := &l.Regions[i]
		if s := r.Section; s != nil && s.Domain > 0 && s.Kind != image.KindArgs {
			r.Pkey = keys[s.Domain]
		}
	}
	l.StopMapped = true // scan what is executable in that process before it runs
	return keyedSupervision{}, nil
}

// keyedSupervision is the pku backend's part in supervising an image
// process.
type keyedSupervision struct{}

// Started implements hostproc.Supervision: with everything mapped and before its
// filter, every byte the CPU could fetch in the process is there to read,
// and no WRPKRU, XRSTOR or VMFUNC may be among them outside the gate (the
// app can jump anywhere). It scans the executable mappings, joined where
// they touch.
func (keyedSupervision) Started(p *hostproc.Supervised, pid int) error {
	if err := scanMapped(p, pid); err != nil {
		return fmt.Errorf("refusing to run: %w", err)
	}
	return nil
}

func scanMapped(p *hostproc.Supervised, pid int) error {
	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return err
	}
	defer maps.Close()
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return err
	}
	defer mem.Close()
	found, summary, err := scanProcess(maps, mem)
	if err != nil {
		return err
	}
	p.Note(summary)
	if len(found) > 0 {
		return fmt.Errorf("the image's process holds %d byte sequences that can change PKRU outside the gate: %v", len(found), found)
	}
	return nil
}

// Caller implements hostproc.Supervision: a library's slot records an open call
// only while the gate has given the library its key.
func (keyedSupervision) Caller(p *hostproc.Supervised) int { return p.SlotCaller() }

// Watchdog implements hostproc.Supervision: the gate records each call in the
// library's slot.
func (keyedSupervision) Watchdog(p *hostproc.Supervised, budget time.Duration) func() {
	return p.SlotWatchdog(budget)
}

// Fault implements hostproc.Supervision: a library's own code cannot fault on its
// own key through the gate: it was entered some other way, with the
// app's rights.
func (keyedSupervision) Fault(p *hostproc.Supervised, v *backend.Violation, sig unix.Signal, code int64) {
	if sig != unix.SIGSEGV || code != segvPKUErr {
		return
	}
	img := p.Image()
	if s := p.SectionAt(v.Address); s != nil && s.Domain > 0 && s.Domain == p.DomainAt(v.RIP) {
		v.Domain = img.Domains[0].Name
		v.Detail += fmt.Sprintf("; %s's code ran without its rights (entered without the gate)", img.Domains[s.Domain].Name)
	}
}

// Notes implements hostproc.Supervision: the scan's note is made at the start.
func (keyedSupervision) Notes(*hostproc.Supervised) []string { return nil }
