// Package hostrun runs workload images in a host process: the none
// backend here, and the other host-process backends later.
//
// The image is loaded at its fixed address in a child process (this same
// binary, re-executed with ChildArg), so that a workload that loops
// forever can be stopped by killing it and one that crashes takes nothing
// else down. The child runs the image on a locked OS thread and switches
// between Go and the image through the backend's gate page; the result
// comes back to the parent as JSON on file descriptor 3.
package hostrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"plib/backend"
	"plib/internal/image"
)

// ChildArg is argv[1] of a child process started by a host backend.
const ChildArg = "__plib_hostrun"

// None is the none backend: the image in a host process, library calls
// as plain calls. It is the upper bound on speed, with no isolation.
type None struct{}

// Name implements backend.Backend.
func (None) Name() string { return "none" }

// Probe implements backend.Backend.
func (None) Probe() backend.Mechanism {
	return backend.Mechanism{Backend: "none", Mode: backend.NoIsolation, Switch: "plain call",
		Detail: "no isolation: the speed ceiling; the application can read every library page"}
}

// Run implements backend.Backend.
func (n None) Run(ctx context.Context, img *image.Image, path string, opts backend.Options) (*backend.Result, error) {
	if res, ok, err := runApps(ctx, n, img, path, opts); ok {
		return res, err
	}
	return runChild(ctx, n.Name(), n.Probe(), path, opts)
}

// Mprotect is the mprotect backend: library pages are PROT_NONE outside
// calls and the gate opens and closes them with mprotect.
type Mprotect struct{}

// Name implements backend.Backend.
func (Mprotect) Name() string { return "mprotect" }

// Probe implements backend.Backend.
func (Mprotect) Probe() backend.Mechanism {
	return backend.Mechanism{Backend: "mprotect", Mode: backend.Hardware, Switch: "mprotect system calls (4 per library call)",
		Detail: "the MMU enforces page permissions the kernel sets; known weakness: while a call is open, every thread of the application can touch the library's pages"}
}

// Run implements backend.Backend.
func (m Mprotect) Run(ctx context.Context, img *image.Image, path string, opts backend.Options) (*backend.Result, error) {
	if res, ok, err := runApps(ctx, m, img, path, opts); ok {
		return res, err
	}
	return runChild(ctx, m.Name(), m.Probe(), path, opts)
}

// childRequest is what the parent sends the child (as JSON in argv).
type childRequest struct {
	Backend string           `json:"backend"`
	Image   string           `json:"image"`
	Params  map[string]int64 `json:"params"`
	Lib     int              `json:"lib,omitempty"` // process backend: serve this library (0: run the app)
	// CallBudget bounds one library call (isolating backends; not none).
	CallBudget time.Duration `json:"call_budget,omitempty"`
	// App is the application instance (PLIB_APPS images), and
	// SharedDataFD, if not 0, the descriptor of the file holding the
	// libraries' shared data, mapped over their data after loading.
	App          int `json:"app,omitempty"`
	SharedDataFD int `json:"shared_data_fd,omitempty"`
	AliveFD      int `json:"alive_fd,omitempty"` // the instances' liveness page (backend.AliveReader)
	// Canary is planted in the libraries' slots and looked for in the
	// application's outputs (backend.Options.Canary).
	Canary []byte `json:"canary,omitempty"`
}

// runApps starts the application instances of a PLIB_APPS image, each
// through b.Run again with its instance number and the shared data.
func runApps(ctx context.Context, b backend.Backend, img *image.Image, path string, opts backend.Options) (*backend.Result, bool, error) {
	if img == nil || img.Apps <= 1 || opts.Shared != nil { // the child loads the image itself
		return nil, false, nil
	}
	res, err := backend.RunApps(ctx, b, img, path, opts)
	return res, true, err
}

// childCommand builds the command that starts a child.
func childCommand(ctx context.Context, name string, req childRequest) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable to start the %s child: %w", name, err)
	}
	arg, _ := json.Marshal(req)
	return exec.CommandContext(ctx, exe, ChildArg, string(arg)), nil
}

func runChild(ctx context.Context, name string, mech backend.Mechanism, path string, opts backend.Options, extra ...*os.File) (*backend.Result, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("result pipe: %w", err)
	}
	defer r.Close()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	req := childRequest{Backend: name, Image: path, Params: opts.Params, CallBudget: opts.CallBudget, App: opts.App, Canary: opts.Canary}
	if opts.Shared != nil {
		extra = append(extra, opts.Shared)
		req.SharedDataFD = 3 + len(extra) // ExtraFiles start at 3, after the result pipe
	}
	if opts.Alive != nil {
		extra = append(extra, opts.Alive)
		req.AliveFD = 3 + len(extra)
	}
	cmd, err := childCommand(ctx, name, req)
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = opts.Output, &stderr
	cmd.ExtraFiles = append([]*os.File{w}, extra...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start %s child: %w", name, err)
	}
	w.Close()
	var out bytes.Buffer
	readDone := make(chan error, 1)
	go func() { _, err := out.ReadFrom(r); readDone <- err }()
	waitErr := cmd.Wait()
	<-readDone
	res := &backend.Result{}
	if out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), res); err != nil {
			return nil, fmt.Errorf("%s child sent a malformed result: %w", name, err)
		}
	}
	res.Backend, res.Mechanism, res.Image = name, mech, path
	res.WallSeconds = time.Since(start).Seconds()
	if ctx.Err() != nil && opts.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		res.TimedOut = true
		res.Violation = &backend.Violation{Kind: "timeout", Domain: "unknown",
			Detail: fmt.Sprintf("the workload ran longer than %v", opts.Timeout), CaughtBy: "host timer (child process killed)"}
		return res, nil
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("run stopped: %w", ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) && out.Len() == 0 {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			res.Violation = &backend.Violation{Kind: "crash", Domain: "unknown",
				Detail: fmt.Sprintf("the workload process died of %v", st.Signal()), CaughtBy: "host kernel"}
			return res, nil
		}
		return nil, fmt.Errorf("%s child failed: %w: %s", name, waitErr, strings.TrimSpace(stderr.String()))
	}
	if waitErr != nil && out.Len() == 0 {
		return nil, fmt.Errorf("%s child failed: %w: %s", name, waitErr, strings.TrimSpace(stderr.String()))
	}
	return res, nil
}
