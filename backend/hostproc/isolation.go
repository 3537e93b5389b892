package hostproc

import (
	"context"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
)

// Isolation is how a host backend keeps the libraries' memory from the
// application: what its package adds to the host runtime at the points
// where the host backends differ. The runtime calls it there and never
// asks which backend it serves.
//
// RunInstance runs in the parent (the process backend.Run was called in);
// Load and the Supervision it returns run in the child, the supervisor of
// one image process.
type Isolation interface {
	// RunInstance runs one application instance: r.RunApp runs it in
	// one image process; a backend that runs more processes beside it
	// (a library's own) starts them first with r.LibraryCommand.
	RunInstance(ctx context.Context, r *Run) (*backend.Result, error)
	// Load lays out one image process before its loader starts: which
	// sections it maps, with which rights and keys (l.Regions), what
	// else it maps, the plan's entry, keys and stop, the header words
	// its gate reads, and the mprotect calls its seccomp filter admits.
	// It returns the backend's part in supervising that process.
	Load(l *Layout) (Supervision, error)
}

// Supervision is a host backend's part in supervising one image process,
// made by its Isolation's Load. The host side has no part in a library
// call's entry and exit (the gate makes both in the image's process): it
// only tells who makes a platform call and times the calls.
type Supervision interface {
	// Started is called once, on the tracer's thread, while the process
	// (pid) is stopped before it runs any image code: at its start, or,
	// if the layout asked for it (Layout.StopMapped), once everything is
	// mapped. An error refuses the run.
	Started(p *Supervised, pid int) error
	// Caller is the domain making the platform call being served.
	Caller(p *Supervised) int
	// Watchdog is what holds this process's library calls to budget,
	// called before the process starts: a function the runtime runs
	// until p.Done is closed and waits for, or nil if nothing is timed
	// here.
	Watchdog(p *Supervised, budget time.Duration) func()
	// Fault refines v, the violation the runtime made of a signal that
	// stopped the process (sig, with si_code code; v.Address and v.RIP
	// are the fault's address and instruction).
	Fault(p *Supervised, v *backend.Violation, sig unix.Signal, code int64)
	// Notes are the backend's notes on the run, taken once when the run
	// stops, while the process may still be read.
	Notes(p *Supervised) []string
}
