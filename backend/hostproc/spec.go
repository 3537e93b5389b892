package hostproc

import (
	"context"
	"fmt"
	"sync"

	"plib/backend"
	"plib/image"
)

// Spec is everything a host backend adds to the host runtime: its name,
// its gate (the trusted page the image's process calls libraries
// through), its Isolation, and its probe. The rest (the loader, the
// supervisor, the seccomp filter, the platform, the budget and the secret
// oracle) is this package's, the same for every host backend.
type Spec struct {
	Name      string
	Gate      []byte
	Isolation Isolation
	// Probe says whether and how the backend runs here; Mechanism.Backend
	// is filled in from Name.
	Probe func() backend.Mechanism
}

// specs are the host backends New has made, by name: the child process
// (this binary re-executed) finds its backend's spec here.
var specs sync.Map // string -> Spec

// New makes a backend from spec; a backend package registers it with
// backend.Register. It panics on an incomplete spec.
func New(spec Spec) backend.Backend {
	if spec.Name == "" || len(spec.Gate) == 0 || spec.Isolation == nil || spec.Probe == nil {
		panic(fmt.Sprintf("hostproc: incomplete spec for %q", spec.Name))
	}
	specs.Store(spec.Name, spec)
	return hostBackend{spec}
}

func specNamed(name string) (Spec, bool) {
	s, ok := specs.Load(name)
	if !ok {
		return Spec{}, false
	}
	return s.(Spec), true
}

// hostBackend is a host backend: a Spec run by this package.
type hostBackend struct{ spec Spec }

// Name implements backend.Backend.
func (b hostBackend) Name() string { return b.spec.Name }

// Probe implements backend.Backend.
func (b hostBackend) Probe() backend.Mechanism {
	m := b.spec.Probe()
	m.Backend = b.spec.Name
	return m
}

// RunInstance implements backend.Backend.
func (b hostBackend) RunInstance(ctx context.Context, img *image.Image, path string, opts backend.Options, inst backend.Instance) (*backend.Result, error) {
	mech := b.Probe()
	if !mech.Available() {
		return nil, fmt.Errorf("%w: %s: %s", backend.ErrUnavailable, b.spec.Name, mech.Unavailable)
	}
	return b.spec.Isolation.RunInstance(ctx, &Run{Name: b.spec.Name, Mech: mech, Image: img, Path: path, Opts: opts, Inst: inst})
}
