// Package hostproc is the host runtime every host backend (none, mprotect,
// pku, process) runs on: a backend package describes itself in a Spec
// (its gate, its Isolation, its probe) and New makes it a
// backend.Backend. The Isolation is the backend's own code at the points
// where the host backends differ (isolation.go); nothing here asks which
// backend it serves.
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
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/image"
)

// ChildArg is argv[1] of a child process started by a host backend.
const ChildArg = "__plib_hostrun"

// childRequest is what the parent sends the child (as JSON in argv).
type childRequest struct {
	Backend string           `json:"backend"`
	Image   string           `json:"image"`
	Params  map[string]int64 `json:"params"`
	Lib     int              `json:"lib,omitempty"` // serve this library in a process of its own (0: run the app)
	// CallBudget bounds one library call (where the backend times calls).
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
	// SecretsFD, if not 0, is the descriptor of a sealed memfd holding the
	// run's secrets (backend.Secrets as JSON), which the child reads and
	// closes: secrets never go on a command line.
	SecretsFD int `json:"secrets_fd,omitempty"`
	// SpinCycles is the spin bound of the run's plan (ChildPlan.Spin).
	SpinCycles uint64 `json:"spin_cycles,omitempty"`
	// PinCore, if not 0, is 1 + the core the image's process is held on.
	PinCore int `json:"pin_core,omitempty"`
}

// Run is one application instance of a host backend's run, as the
// parent starts it (Isolation.RunInstance).
type Run struct {
	Name  string            // the backend's
	Mech  backend.Mechanism // its probe, which the result carries
	Image *image.Image
	Path  string // the image's file, which each child loads
	Opts  backend.Options
	Inst  backend.Instance
}

// ChildPlan is what a run asks of one child's image process beyond its
// options: a spin bound for its header (Layout.Spin) and a core.
type ChildPlan struct {
	Spin    uint64
	PinCore int // 1 + the core the image's process is held on; 0: anywhere
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

// LibraryCommand builds the command that starts the child serving
// library lib of the run's instance in a process of its own (Layout.Lib).
// The caller gives it its descriptors: the result pipe as 3, then its
// own; sharedDataFD and aliveFD say where the instance's shared data and
// liveness page are among them (0: not given).
func (r *Run) LibraryCommand(ctx context.Context, lib int, plan ChildPlan, sharedDataFD, aliveFD, secretsFD int) (*exec.Cmd, error) {
	req := childRequest{Backend: r.Name, Image: r.Path, Params: r.Opts.Params, Lib: lib, App: r.Inst.App, Canary: r.Opts.Canary,
		SpinCycles: plan.Spin, PinCore: plan.PinCore, CallBudget: r.Opts.CallBudget, SharedDataFD: sharedDataFD, AliveFD: aliveFD,
		SecretsFD: secretsFD}
	return childCommand(ctx, r.Name, req)
}

// SecretsFile is a memfd holding secrets for a child (childRequest's
// SecretsFD), sealed against writes; nil when there are none. The caller
// closes it once the child has started.
func SecretsFile(secrets backend.Secrets) (*os.File, error) {
	if len(secrets) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(secrets)
	if err != nil {
		return nil, fmt.Errorf("encode the run's secrets: %w", err)
	}
	fd, err := unix.MemfdCreate("plib-secrets", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create for the run's secrets: %w", err)
	}
	f := os.NewFile(uintptr(fd), "plib-secrets")
	if _, err = f.Write(b); err == nil {
		_, err = unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_WRITE|unix.F_SEAL_GROW|unix.F_SEAL_SHRINK|unix.F_SEAL_SEAL)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fill the run's secrets file: %w", err)
	}
	return f, nil
}

// readSecrets reads and closes the secrets file at fd (0: none).
func readSecrets(fd int) (backend.Secrets, error) {
	if fd == 0 {
		return nil, nil
	}
	f := os.NewFile(uintptr(fd), "plib-secrets")
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read the run's secrets: %w", err)
	}
	var s backend.Secrets
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode the run's secrets: %w", err)
	}
	return s, nil
}

// RunApp runs the instance's application in a child and returns its
// result; extra are descriptors it inherits from 4 on, before the
// instance's shared data and liveness page.
func (r *Run) RunApp(ctx context.Context, plan ChildPlan, extra ...*os.File) (*backend.Result, error) {
	return runChild(ctx, r.Name, r.Mech, r.Path, r.Opts, r.Inst, plan, extra...)
}

// runChild runs one instance in a child; extra are descriptors it inherits
// from 4 on, before the instance's shared data and liveness page.
func runChild(ctx context.Context, name string, mech backend.Mechanism, path string, opts backend.Options, inst backend.Instance,
	plan ChildPlan, extra ...*os.File) (*backend.Result, error) {
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
		SpinCycles: plan.Spin, PinCore: plan.PinCore}
	if inst.Shared != nil {
		extra = append(extra, inst.Shared)
		req.SharedDataFD = 3 + len(extra) // ExtraFiles start at 3, after the result pipe
	}
	if inst.Alive != nil {
		extra = append(extra, inst.Alive)
		req.AliveFD = 3 + len(extra)
	}
	secrets, err := SecretsFile(opts.Secrets)
	if err != nil {
		return nil, err
	}
	if secrets != nil {
		defer secrets.Close()
		extra = append(extra, secrets)
		req.SecretsFD = 3 + len(extra)
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
