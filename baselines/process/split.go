package process

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/hostsys"
	"plib/internal/spinwait"
)

// processLayout places, in the process backend's shared memory file, each
// library's argument area and one request page per channel (a caller, the
// app or a library, to a library), which holds that channel's doorbell.
type processLayout struct {
	args  map[int]uint64
	chans map[[2]int]uint64 // {caller, callee}
	size  uint64
}

func newProcessLayout(img *image.Image) processLayout {
	l := processLayout{args: map[int]uint64{}, chans: map[[2]int]uint64{}}
	callers := []int{0}
	for _, d := range img.Libraries() {
		callers = append(callers, d.ID)
		l.args[d.ID] = l.size
		l.size += d.Args.Size
	}
	for _, d := range img.Libraries() {
		for _, c := range callers {
			if c != d.ID {
				l.chans[[2]int{c, d.ID}] = l.size
				l.size += abi.PageSize
			}
		}
	}
	return l
}

// Where a process maps its channel pages, after the image: its outgoing
// channel to library id, and a library's incoming channel from caller c.
func reqAddr(img *image.Image, id int) uint64 { return img.End + uint64(id-1)*abi.PageSize }
func inReqAddr(img *image.Image, c int) uint64 {
	return img.End + uint64(abi.MaxDomains+c)*abi.PageSize
}

// splitProcesses is the process backend's isolation (hostproc.Isolation):
// each library runs in a process of its own, reached through request
// pages in shared memory and futex wake-ups; no process maps another
// domain's pages.
type splitProcesses struct{}

// childSharedFD is where a child of a run finds the run's shared file
// (the argument areas, channels and doorbells): after the result pipe.
const childSharedFD = 4

// RunInstance implements hostproc.Isolation: it creates the shared memory, starts
// one process per library, runs the application, and marks a library
// dead (and wakes its caller) if its process ends first.
func (splitProcesses) RunInstance(ctx context.Context, run *hostproc.Run) (*backend.Result, error) {
	// The application's process and every library's write to one output,
	// each copied by its own goroutine: serialised, or a bytes.Buffer
	// loses one's prints to the other's copy.
	if _, ok := run.Opts.Output.(*os.File); !ok {
		run.Opts.Output = backend.SyncWriter(run.Opts.Output)
	}
	img, opts, inst := run.Image, run.Opts, run.Inst
	plan, err := PlanWait(opts.Wait, max(img.Apps, 1)*(1+len(img.Libraries())))
	if err != nil {
		return nil, err
	}
	run.Mech.Switch, run.Mech.Floor = plan.Switch(), plan.Floor()
	var spin uint64
	waitNote := fmt.Sprintf("wait: sleep: both sides sleep on the futex at once; app and libraries pinned to core %d", plan.AppCore)
	if plan.Policy == backend.WaitSpin {
		b := spinwait.For(opts.CallBudget)
		spin, run.Mech.Spin = b.Cycles, &b
		waitNote = fmt.Sprintf("wait: spin then sleep: a caller spins on its channel, an idle library on its doorbell, for at most %d TSC cycles "+
			"(%v: what waking a sleeper costs here, %s, %d wake-ups; capped at a quarter of the call budget), then sleeps on the futex; app pinned "+
			"to core %d, libraries to core %d",
			spin, time.Duration(b.WakeNS).Round(100*time.Nanosecond), b.Method, b.Samples, plan.AppCore, plan.LibCore)
	}
	if plan.Why != "" {
		waitNote += " (" + plan.Why + ")"
	}
	layout := newProcessLayout(img)
	size := layout.size
	fd, err := unix.MemfdCreate("plib-process-shared", 0)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	shared := os.NewFile(uintptr(fd), "plib-shared")
	defer shared.Close()
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		return nil, fmt.Errorf("size shared memory: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map shared memory: %w", err)
	}
	defer unix.Munmap(mem)

	libCtx, stopLibs := context.WithCancel(context.Background())
	defer stopLibs()
	appCtx, stopApp := context.WithCancel(ctx)
	defer stopApp()
	var mu sync.Mutex
	var notes []string
	var libViolation *backend.Violation // the first library's end, decided by its supervisor
	var wg sync.WaitGroup
	for _, d := range img.Libraries() {
		sharedDataFD, aliveFD := 0, 0
		if inst.Shared != nil {
			sharedDataFD = 5 // after the result pipe (3) and the shared pages (4)
		}
		if inst.Alive != nil {
			aliveFD = 6
		}
		// The library's own secret, if it has one, and only its own.
		var secrets *os.File
		if s, ok := opts.Secrets[d.Name]; ok {
			if secrets, err = hostproc.SecretsFile(backend.Secrets{d.Name: s}); err != nil {
				return nil, err
			}
		}
		secretsFD := 0
		if secrets != nil {
			defer secrets.Close()
			secretsFD = 5 // after the result pipe (3) and the shared pages (4)
			if inst.Shared != nil {
				secretsFD = 7 // and the instances' shared data and liveness page
			}
		}
		cmd, err := run.LibraryCommand(libCtx, d.ID, hostproc.ChildPlan{Spin: spin, PinCore: plan.LibCore + 1}, sharedDataFD, aliveFD, secretsFD)
		if err != nil {
			return nil, err
		}
		var stderr lockedBuffer
		cmd.Stdout, cmd.Stderr = opts.Output, &stderr
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		cmd.ExtraFiles = []*os.File{w, shared}
		if inst.Shared != nil {
			cmd.ExtraFiles = append(cmd.ExtraFiles, inst.Shared, inst.Alive)
		}
		if secrets != nil {
			cmd.ExtraFiles = append(cmd.ExtraFiles, secrets)
		}
		if err := cmd.Start(); err != nil {
			r.Close()
			w.Close()
			return nil, fmt.Errorf("start library %s's process: %w", d.Name, err)
		}
		w.Close()
		wg.Add(1)
		go func(d *image.Domain) {
			defer wg.Done()
			defer r.Close()
			out, _ := io.ReadAll(r) // its result, sent when it stops
			err := cmd.Wait()
			if libCtx.Err() != nil {
				return // stopped by us after the run
			}
			why := fmt.Sprint(err)
			var lr backend.Result
			v := (*backend.Violation)(nil)
			if json.Unmarshal(out, &lr) == nil && lr.Violation != nil {
				v, why = lr.Violation, lr.Violation.Error()
			} else {
				if s := stderr.String(); s != "" {
					why += ": " + s
				}
				v = &backend.Violation{Kind: backend.ViolationCrash, Domain: d.Name, Detail: "the library's process ended mid-run: " + why,
					Catcher: backend.CatcherHostKernel, CaughtBy: "the vmm (the library's process ended)"}
			}
			// Gone early: tell every caller, now and later, instead of
			// letting it wait forever.
			for ch, off := range layout.chans {
				if ch[1] == d.ID {
					page := mem[off : off+abi.PageSize]
					binary.LittleEndian.PutUint32(page[abi.ReqDead:], 1)
					hostsys.Shared.Wake(hostsys.Word(page, 0), hostsys.All)
				}
			}
			mu.Lock()
			if libViolation == nil {
				libViolation = v
			}
			if v.Kind == backend.ViolationBudget {
				// Past its budget: this application instance stops here,
				// as under every other backend.
				notes = append(notes, fmt.Sprintf("library %s's process was stopped past its call budget by its supervisor; the application instance "+
					"was stopped with it", d.Name))
				stopApp()
			} else {
				notes = append(notes, fmt.Sprintf("library %s's process stopped mid-run: %s; its callers got PLIB_ERR_LIB_DEAD", d.Name, why))
			}
			mu.Unlock()
		}(d)
	}
	// The application's process never holds a library's secret: each is
	// in its own library's process only.
	run.Opts.Secrets = nil
	res, err := run.RunApp(appCtx, hostproc.ChildPlan{Spin: spin, PinCore: plan.AppCore + 1}, shared)
	stopLibs()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if libViolation != nil && res != nil && (err == nil || ctx.Err() == nil && appCtx.Err() != nil) {
		// A library's end is the run's verdict, whatever the application
		// did after it (it may have carried on with PLIB_ERR_LIB_DEAD):
		// the same event gets the same verdict under every backend.
		err = nil
		res.Violation, res.TimedOut = libViolation, false
	}
	if res != nil {
		res.Notes = append(res.Notes, waitNote)
		counts, paths := waitCounts(img, layout, mem)
		res.Notes = append(res.Notes, counts...)
		res.Paths = paths
		res.Notes = append(res.Notes, notes...)
	}
	return res, err
}

// Load implements hostproc.Isolation: the process maps its own domain's sections,
// every argument area, its outgoing channels and a library's incoming
// channels from the run's shared file; a library's process starts in the
// gate's serve loop on the library's stack.
func (splitProcesses) Load(l *hostproc.Layout) (hostproc.Supervision, error) {
	img := l.Image
	l.BackendFile = os.NewFile(childSharedFD, "plib-process-shared")
	layout := newProcessLayout(img)
	for _, d := range img.Libraries() { // this process sees the argument areas the image does
		if err := l.ShareOver(d.Args.Addr, d.Args.Size, layout.args[d.ID]); err != nil {
			return nil, fmt.Errorf("map library %s's argument area: %w", d.Name, err)
		}
	}
	regions := splitRegions(l, layout)
	// The spin bound, in this process's read-only header: the gate
	// reads it from there, never from a page the other side writes.
	binary.LittleEndian.PutUint64(l.Header[hdrSpin:], l.Spin)
	if l.Lib != 0 {
		d := img.Domains[l.Lib]
		l.Entry, l.Stack = abi.GatePage+abi.GateServeOff, d.Slot()
	}
	for _, r := range l.Regions {
		if r.Section.Kind == image.KindArgs {
			continue // from the shared file (splitRegions)
		}
		if r.Section.Domain != l.Lib && r.Section.Domain >= 0 {
			continue // another domain's pages: never mapped here
		}
		regions = append(regions, r)
	}
	l.Regions = regions
	s := &splitSupervision{}
	if l.Lib != 0 && l.AliveFD != 0 {
		// This library's supervisor says while it sees a call open,
		// so that a call of another instance's waiting on this one's
		// lock is not blamed for the time this one's call is timed.
		// Kept mapped, as the liveness page is, for the watchdog's
		// last look.
		open, _, err := backend.MapOpenCalls(os.NewFile(uintptr(l.AliveFD), "plib-apps-alive"))
		if err != nil {
			return nil, err
		}
		s.openCalls = open
	}
	return s, nil
}

// splitRegions maps, for one process (l.Lib: the library it serves, 0:
// the app), every argument area, its outgoing channels and a library's
// incoming channels (each with its doorbell), from the run's shared file,
// and writes where they are into its header page. No page is mapped by
// more than the two ends of one channel.
func splitRegions(l *hostproc.Layout, layout processLayout) []hostproc.Region {
	img, lib, hdr := l.Image, l.Lib, l.Header
	le := binary.LittleEndian
	var out []hostproc.Region
	for _, d := range img.Libraries() {
		out = append(out, l.FromBackendFile(d.Args.Addr, d.Args.Size, layout.args[d.ID]))
		if off, ok := layout.chans[[2]int{lib, d.ID}]; ok { // this process calls d
			out = append(out, l.FromBackendFile(reqAddr(img, d.ID), abi.PageSize, off))
			le.PutUint64(hdr[abi.HdrReq+8*d.ID:], reqAddr(img, d.ID))
		}
	}
	if lib != 0 {
		for c := 0; c < abi.MaxDomains; c++ {
			if off, ok := layout.chans[[2]int{c, lib}]; ok { // c calls this library
				out = append(out, l.FromBackendFile(inReqAddr(img, c), abi.PageSize, off))
				le.PutUint64(hdr[abi.HdrInReq+8*c:], inReqAddr(img, c))
			}
		}
		le.PutUint64(hdr[abi.HdrView:], uint64(lib))
	}
	return out
}

// splitSupervision is the process backend's part in supervising one of a
// run's processes.
type splitSupervision struct {
	// openCalls: a library's supervisor with other instances: the
	// instances' open-call words (backend.OpenCalls).
	openCalls *backend.OpenCalls
}

// Started implements hostproc.Supervision: nothing to do.
func (*splitSupervision) Started(*hostproc.Supervised, int) error { return nil }

// Caller implements hostproc.Supervision: the one domain this process runs.
func (*splitSupervision) Caller(p *hostproc.Supervised) int { return p.Lib() }

// Watchdog implements hostproc.Supervision: a library's process times every call
// it serves (watchServed); the application's times none.
func (s *splitSupervision) Watchdog(p *hostproc.Supervised, budget time.Duration) func() {
	if p.Lib() == 0 {
		return nil
	}
	return func() {
		if !s.watchServed(p, budget) {
			// Ended with no verdict (a crash, or the run's end): no call of
			// it is open, so a waiter on a lock it held is not excused.
			s.openCalls.Set(p.App(), p.Lib(), backend.CallNone)
		}
	}
}

// Fault implements hostproc.Supervision: the runtime's account of a fault is the
// whole of it.
func (*splitSupervision) Fault(*hostproc.Supervised, *backend.Violation, unix.Signal, int64) {}

// Notes implements hostproc.Supervision: the core the process ran on.
func (*splitSupervision) Notes(p *hostproc.Supervised) []string { return []string{placement(p)} }

// placement names the core the image's process last ran on (field 39 of
// /proc/PID/stat): processes are not pinned, the scheduler places them.
func placement(p *hostproc.Supervised) string {
	pid := p.Pid()
	who := p.Image().Domains[p.Lib()].Name
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if pid <= 0 || err != nil {
		return "placement: " + who + "'s process: gone before its core could be read"
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])) // from field 3 on
	if len(f) < 37 {
		return "placement: " + who + "'s process: /proc stat unreadable"
	}
	if p.PinCore() > 0 {
		return fmt.Sprintf("placement: %s's process ran last on CPU %s (pinned to core %d)", who, f[36], p.PinCore()-1)
	}
	return fmt.Sprintf("placement: %s's process ran last on CPU %s (not pinned: the scheduler placed it)", who, f[36])
}

// waitCounts reports, per channel, how many calls were answered while the
// caller spun and how many it slept for: counted by the caller's gate in
// the request page, which the caller can write, so they are statistics,
// never a verdict.
func waitCounts(img *image.Image, layout processLayout, mem []byte) ([]string, *backend.PathCounts) {
	var out []string
	paths := &backend.PathCounts{CountedBy: "the callers' gates, in request pages the application can write"}
	for ch, off := range layout.chans {
		page := mem[off : off+abi.PageSize]
		fast, slow := binary.LittleEndian.Uint64(page[reqFast:]), binary.LittleEndian.Uint64(page[reqSlow:])
		if fast+slow == 0 {
			continue
		}
		paths.Fast, paths.Slow = paths.Fast+fast, paths.Slow+slow
		out = append(out, fmt.Sprintf("wait: calls from %s to %s: %d answered while the caller spun (fast path), %d after it slept on the futex "+
			"(slow path), as counted by the caller's gate",
			img.Domains[ch[0]].Name, img.Domains[ch[1]].Name, fast, slow))
	}
	sort.Strings(out)
	return out, paths
}

// lockedBuffer is a bytes buffer safe for the exec goroutine and ours.
type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.b) < 4096 {
		l.b = append(l.b, p...)
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
