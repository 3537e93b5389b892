package hostproc

import (
	"context"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
)

// SharedPages is the none backend's isolation: none. Every page is the
// application's, the gate's calls are plain calls, and the supervisor
// cannot tell who makes a platform call, so a platform call may read any
// domain's memory.
var SharedPages Isolation = sharedPages{}

type sharedPages struct{}

// RunInstance implements Isolation: one image process.
func (sharedPages) RunInstance(ctx context.Context, r *Run) (*backend.Result, error) {
	return r.RunApp(ctx, ChildPlan{})
}

// Load implements Isolation: every section as its kind maps it.
func (sharedPages) Load(l *Layout) (Supervision, error) {
	l.AnyCaller = true // none cannot tell the library's calls from the app's
	return sharedSupervision{}, nil
}

// sharedSupervision is the none backend's part in supervising an image
// process: nothing but what the runtime does for every backend.
type sharedSupervision struct{}

// Started implements Supervision: nothing to do.
func (sharedSupervision) Started(*Supervised, int) error { return nil }

// Caller implements Supervision: the gate attests no call, so every
// platform call is the application's.
func (sharedSupervision) Caller(p *Supervised) int { return p.Lib() }

// Watchdog implements Supervision: none bounds no call.
func (sharedSupervision) Watchdog(*Supervised, time.Duration) func() { return nil }

// Fault implements Supervision: the runtime's account of a fault is the
// whole of it.
func (sharedSupervision) Fault(*Supervised, *backend.Violation, unix.Signal, int64) {}

// Notes implements Supervision: none.
func (sharedSupervision) Notes(*Supervised) []string { return nil }
