package hostproc

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
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

// runSplit runs one application instance under a SplitProcesses backend:
// it creates the shared memory, starts one process per library, runs the
// application, and marks a library dead (and wakes its caller) if its
// process ends first.
func runSplit(ctx context.Context, spec Spec, mech backend.Mechanism, img *image.Image, path string, opts backend.Options,
	inst backend.Instance) (*backend.Result, error) {
	plan, err := PlanWait(opts.Wait, max(img.Apps, 1)*(1+len(img.Libraries())))
	if err != nil {
		return nil, err
	}
	mech.Switch, mech.Floor = plan.Switch(), plan.Floor()
	var spin uint64
	waitNote := fmt.Sprintf("wait: sleep: both sides sleep on the futex at once; app and libraries pinned to core %d", plan.AppCore)
	if plan.Policy == backend.WaitSpin {
		b := spinwait.For(opts.CallBudget)
		spin, mech.Spin = b.Cycles, &b
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
		req := childRequest{Backend: spec.Name, Image: path, Params: opts.Params, Lib: d.ID, App: inst.App, Canary: opts.Canary,
			SpinCycles: spin, PinCore: plan.LibCore + 1, CallBudget: opts.CallBudget}
		if inst.Shared != nil {
			req.SharedDataFD = 5 // after the result pipe (3) and the shared pages (4)
		}
		if inst.Alive != nil {
			req.AliveFD = 6
		}
		cmd, err := childCommand(libCtx, spec.Name, req)
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
	res, err := runChild(appCtx, spec.Name, mech, path, opts, inst, childPlan{spin: spin, pinCore: plan.AppCore + 1}, shared)
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
