// Package hostproc is the host runtime every host backend (none, mprotect,
// pku, process) runs on: a backend package describes itself in a Spec
// (its gate, its Isolation mode, its probe) and New makes it a
// backend.Backend.
//
// A run starts a child process (this same binary, re-executed with
// ChildArg) that supervises the image: it lays out the image's memory
// file, starts the freestanding loader (guestlib/loader) in a process of
// its own with a plan, a seccomp filter and the backend's gate, serves the
// image's platform calls, enforces the call budget through ptrace, and
// looks for the planted secret. The result comes back to the parent as
// JSON on file descriptor 3.
package hostproc

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
)

// ChildArg is argv[1] of a child process started by a host backend.
const ChildArg = "__plib_hostrun"

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
	// SpinCycles is the process backend's spin bound (0: sleep at once),
	// written into each process's read-only header.
	SpinCycles uint64 `json:"spin_cycles,omitempty"`
	// PinCore, if not 0, is 1 + the core the image's process is held on.
	PinCore int `json:"pin_core,omitempty"`
}

// childPlan is what a host backend's run asks of the image's process
// beyond the request: the process backend's spin bound and placement.
type childPlan struct {
	spin    uint64
	pinCore int // 1 + core; 0: anywhere
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

// runChild runs one instance in a child; extra are descriptors it inherits
// from 4 on, before the instance's shared data and liveness page.
func runChild(ctx context.Context, name string, mech backend.Mechanism, path string, opts backend.Options, inst backend.Instance,
	plan childPlan, extra ...*os.File) (*backend.Result, error) {
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
	req := childRequest{Backend: name, Image: path, Params: opts.Params, CallBudget: opts.CallBudget, App: inst.App, Canary: opts.Canary,
		SpinCycles: plan.spin, PinCore: plan.pinCore}
	if inst.Shared != nil {
		extra = append(extra, inst.Shared)
		req.SharedDataFD = 3 + len(extra) // ExtraFiles start at 3, after the result pipe
	}
	if inst.Alive != nil {
		extra = append(extra, inst.Alive)
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
		res.Violation = &backend.Violation{Kind: backend.ViolationTimeout, Domain: "unknown",
			Detail: fmt.Sprintf("the workload ran longer than %v", opts.Timeout), Catcher: backend.CatcherTimer, CaughtBy: "host timer (child process killed)"}
		return res, nil
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("run stopped: %w", ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) && out.Len() == 0 {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			res.Violation = &backend.Violation{Kind: backend.ViolationCrash, Domain: "unknown",
				Detail: fmt.Sprintf("the workload process died of %v", st.Signal()), Catcher: backend.CatcherHostKernel, CaughtBy: "host kernel"}
			return res, nil
		}
		return nil, fmt.Errorf("%s child failed: %w: %s", name, waitErr, strings.TrimSpace(stderr.String()))
	}
	if waitErr != nil && out.Len() == 0 {
		return nil, fmt.Errorf("%s child failed: %w: %s", name, waitErr, strings.TrimSpace(stderr.String()))
	}
	return res, nil
}
