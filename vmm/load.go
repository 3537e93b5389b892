package vmm

import (
	"fmt"
	"io"

	"plib/backend"
	"plib/vmm/kvm"
)

// Load is how every KVM backend loads an image for one run of an
// instance: it builds the platform that serves the guest's calls
// (writing what the guest prints to opts.Output, and keeping it for the
// canary's search), the machine (New with cfg; Load sets cfg's Platform,
// App and Shared from inst), plants opts.Canary, attaches the instance to
// its siblings, and fills res's TSC frequency. The machine's CallBudget
// is opts.CallBudget. res.Image names the image in Load's errors.
//
// release ends what Load began, in order: it detaches the instance,
// stops a scribbler, looks for the canary (res.Leaked) and closes the
// machine. The caller defers it once Load succeeds.
func Load(sys *kvm.System, cfg Config, res *backend.Result, opts backend.Options, inst backend.Instance) (m *Machine, release func(), err error) {
	printed := &backend.Capture{Max: 16 << 20}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	p := &backend.Platform{Result: res, Params: opts.Params, Output: io.MultiWriter(out, printed)}
	cfg.Platform, cfg.App, cfg.Shared, cfg.Secrets = p, inst.App, inst.Shared, opts.Secrets
	m, err = New(sys, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", res.Image, err)
	}
	if len(opts.Canary) > 0 {
		m.plantCanary(opts.Canary)
	}
	p.Scribble, p.Image = m.Scribble, cfg.Image
	detach, err := p.Attach(inst, cfg.Image)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	m.CallBudget = opts.CallBudget
	res.TSCHz = m.TSCHz()
	release = func() {
		detach()
		m.stopScribble()
		if len(opts.Canary) > 0 {
			res.Leaked = m.findCanary(opts.Canary, printed.Bytes())
		}
		m.Close()
	}
	return m, release, nil
}
