//go:build plibtest

// Package mirror is a test-only backend, linked only into a build with
// the plibtest tag: it runs every instance under the mprotect backend,
// looked up in the registry when it runs, and reports under its own
// name. It is the seventh backend that shows a backend is added as one
// directory: it registers itself (with the next free chart style), go
// generate ./cmd/vmm links it into a tagged bin/vmm, and it appears in
// vmm caps and vmm compare and runs the conformance suite.
package mirror

import (
	"context"
	"fmt"

	"plib/backend"
	_ "plib/baselines/mprotect" // the backend it mirrors must be linked in
	"plib/image"
)

// Name is the backend's --backend name.
const Name = "mirror"

// delegate is the registered backend mirror runs instances under.
const delegate = "mprotect"

// Backend is the mirror backend.
type Backend struct{}

// Name is the --backend value.
func (Backend) Name() string { return Name }

// Probe is the mprotect backend's mechanism, under mirror's name.
func (Backend) Probe() backend.Mechanism {
	d, ok := backend.Lookup(delegate)
	if !ok {
		return backend.Mechanism{Backend: Name, Mode: backend.Unavailable, Unavailable: "no " + delegate + " backend is linked in to mirror"}
	}
	m := d.Probe()
	m.Backend = Name
	m.Detail = "test-only (plibtest build tag): every instance run by the " + delegate + " backend; " + m.Detail
	return m
}

// RunInstance runs the instance under the mprotect backend and names
// the result mirror's.
func (b Backend) RunInstance(ctx context.Context, img *image.Image, path string, opts backend.Options, inst backend.Instance) (*backend.Result, error) {
	d, ok := backend.Lookup(delegate)
	if !ok {
		return nil, fmt.Errorf("mirror: no %s backend linked in: %w", delegate, backend.ErrUnavailable)
	}
	res, err := d.RunInstance(ctx, img, path, opts, inst)
	if res != nil {
		res.Backend, res.Mechanism = Name, b.Probe()
	}
	if err != nil {
		return res, fmt.Errorf("mirror (%s): %w", delegate, err)
	}
	return res, nil
}

func init() { backend.Register(Backend{}, backend.Isolates, backend.StyleNext) }
