package none

import (
	"context"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/backend/hostproc"
)

// sharedPages is the none backend's isolation (hostproc.Isolation):
// none. Every page is the application's, the gate's calls are plain
// calls, and the supervisor cannot tell who makes a platform call, so a
// platform call may read any domain's memory.
type sharedPages struct{}

// RunInstance implements hostproc.Isolation: one image process.
func (sharedPages) RunInstance(ctx context.Context, r *hostproc.Run) (*backend.Result, error) {
	return r.RunApp(ctx, hostproc.ChildPlan{})
}

// Load implements hostproc.Isolation: every section as its kind maps it.
func (sharedPages) Load(l *hostproc.Layout) (hostproc.Supervision, error) {
	l.AnyCaller = true // none cannot tell the library's calls from the app's
	return sharedSupervision{}, nil
}

// sharedSupervision is the none backend's part in supervising an image
// process: nothing but what the runtime does for every backend.
type sharedSupervision struct{}

// Started implements hostproc.Supervision: nothing to do.
func (sharedSupervision) Started(*hostproc.Supervised, int) error { return nil }

// Caller implements hostproc.Supervision: the gate attests no call, so every
// platform call is the application's.
func (sharedSupervision) Caller(p *hostproc.Supervised) int { return p.Lib() }

// Watchdog implements hostproc.Supervision: none bounds no call.
func (sharedSupervision) Watchdog(*hostproc.Supervised, time.Duration) func() { return nil }

// Fault implements hostproc.Supervision: the runtime's account of a fault is the
// whole of it.
func (sharedSupervision) Fault(*hostproc.Supervised, *backend.Violation, unix.Signal, int64) {}

// Notes implements hostproc.Supervision: none.
func (sharedSupervision) Notes(*hostproc.Supervised) []string { return nil }
