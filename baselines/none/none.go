// Package none is the none backend: the image in a host process, library
// calls as plain calls through guestlib/trusted/gate_none.S. It is the
// upper bound on speed, with no isolation: a comparison's ceiling. Its
// part in the host runtime (backend/hostproc) is isolation.go: every
// page the application's, and platform calls whose caller it cannot
// tell.
package none

import (
	"plib/backend"
	"plib/backend/hostproc"
	"plib/internal/guestbin"
)

func init() {
	backend.Register(hostproc.New(hostproc.Spec{
		Name:      "none",
		Gate:      guestbin.GateNone,
		Isolation: sharedPages{},
		Probe: func() backend.Mechanism {
			return backend.Mechanism{Mode: backend.NoIsolation, Switch: "plain call",
				Floor:  &backend.Floor{Anchor: "call", Times: 1, What: "one empty function call"},
				Detail: "no isolation: the speed ceiling; the application can read every library page"}
		},
	}), backend.Ceiling, backend.StyleNone)
}
