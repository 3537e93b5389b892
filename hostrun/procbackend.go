package hostrun

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"plib/abi"
	"plib/backend"
	"plib/image"
)

// Process is the process backend: each library runs in a process of its
// own, started and supervised here; the application reaches it through a
// shared request page and futex wake-ups and never maps its pages.
type Process struct{}

// Name implements backend.Backend.
func (Process) Name() string { return "process" }

// Probe implements backend.Backend.
func (Process) Probe() backend.Mechanism {
	return backend.Mechanism{Backend: "process", Mode: backend.Hardware, Switch: "IPC: shared request page + futex wake-ups (a process switch each way)",
		Detail: "separate address spaces; wake-ups across cores are slow on virtualized hosts, and the report shows it"}
}

// sharedLayout places each library's argument area and request page in the
// shared memory file: offsets by library id, and the total size.
func sharedLayout(img *image.Image) (args, req map[int]uint64, size uint64) {
	args, req = map[int]uint64{}, map[int]uint64{}
	for _, d := range img.Libraries() {
		args[d.ID] = size
		size += d.Args.Size
		req[d.ID] = size
		size += abi.PageSize
	}
	return args, req, size
}

// reqAddr is where library id's request page is mapped in every process:
// right after the image.
func reqAddr(img *image.Image, id int) uint64 { return img.End + uint64(id-1)*abi.PageSize }

// Run implements backend.Backend: it creates the shared memory, starts one
// process per library, runs the application, and marks a library dead (and
// wakes its caller) if its process ends first.
func (b Process) Run(ctx context.Context, img *image.Image, path string, opts backend.Options) (*backend.Result, error) {
	if res, ok, err := runApps(ctx, b, img, path, opts); ok {
		return res, err
	}
	_, reqOff, size := sharedLayout(img)
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
	var mu sync.Mutex
	var notes []string
	var wg sync.WaitGroup
	for _, d := range img.Libraries() {
		req := childRequest{Backend: "process", Image: path, Params: opts.Params, Lib: d.ID, App: opts.App}
		if opts.Shared != nil {
			req.SharedDataFD = 5 // after the result pipe (3) and the shared pages (4)
		}
		if opts.Alive != nil {
			req.AliveFD = 6
		}
		cmd, err := childCommand(libCtx, "process", req)
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
		if opts.Shared != nil {
			cmd.ExtraFiles = append(cmd.ExtraFiles, opts.Shared, opts.Alive)
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
			if json.Unmarshal(out, &lr) == nil && lr.Violation != nil {
				why = lr.Violation.Error()
			} else if s := stderr.String(); s != "" {
				why += ": " + s
			}
			// Gone early: tell any caller, now and later, instead of
			// letting it wait forever.
			page := mem[reqOff[d.ID] : reqOff[d.ID]+abi.PageSize]
			binary.LittleEndian.PutUint32(page[abi.ReqDead:], 1)
			futexWake(page)
			mu.Lock()
			notes = append(notes, fmt.Sprintf("library %s's process stopped mid-run: %s; its callers got PLIB_ERR_LIB_DEAD", d.Name, why))
			mu.Unlock()
		}(d)
	}
	res, err := runChild(ctx, b.Name(), b.Probe(), path, opts, shared)
	stopLibs()
	wg.Wait()
	if res != nil {
		mu.Lock()
		res.Notes = append(res.Notes, notes...)
		mu.Unlock()
	}
	return res, err
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

// splitProcesses sets up one process of the process backend in a child:
// the application's process keeps its own pages and loses every
// library's; a library's process keeps only its own. All map the argument
// areas and request pages from the shared memory file (descriptor 4).
func splitProcesses(p *process) error {
	shared := os.NewFile(4, "plib-shared")
	argsOff, reqOff, _ := sharedLayout(p.img)
	for _, s := range p.img.Sections {
		if s.Kind == image.KindGate || s.Kind == image.KindGateData {
			continue
		}
		keep := s.Domain == p.lib && s.Kind != image.KindArgs
		if !keep {
			if err := munmapRange(s.Addr, s.Size); err != nil {
				return fmt.Errorf("unmap %s: %w", s.Name, err)
			}
		}
	}
	hdr := p.span(abi.GateData, abi.PageSize)
	if err := unix.Mprotect(hdr, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return err
	}
	// Any process may call any library (the app, or a library calling
	// another), so every process maps every argument area and request
	// page; no process maps another library's private pages.
	for _, d := range p.img.Libraries() {
		if err := mapShared(shared, argsOff[d.ID], d.Args.Addr, d.Args.Size); err != nil {
			return fmt.Errorf("argument area of %s: %w", d.Name, err)
		}
		if err := mapShared(shared, reqOff[d.ID], reqAddr(p.img, d.ID), abi.PageSize); err != nil {
			return fmt.Errorf("request page of %s: %w", d.Name, err)
		}
		binary.LittleEndian.PutUint64(hdr[abi.HdrReq+8*d.ID:], reqAddr(p.img, d.ID))
	}
	binary.LittleEndian.PutUint64(hdr[abi.HdrView:], uint64(p.lib))
	return unix.Mprotect(hdr, unix.PROT_READ)
}
