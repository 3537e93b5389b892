// Package process is the process backend: each library runs in a process
// of its own, and the application reaches it through a request page in
// shared memory and futex wake-ups (guestlib/trusted/gate_process.S); the
// application never maps a library's pages. The host runtime
// (internal/hostrun, SplitProcesses) starts and supervises the processes.
package process

import (
	"plib/backend"
	"plib/internal/guestbin"
	"plib/internal/hostrun"
)

func init() {
	backend.Register(hostrun.New(hostrun.Spec{
		Name:      "process",
		Gate:      guestbin.GateProcess,
		Isolation: hostrun.SplitProcesses,
		Probe: func() backend.Mechanism {
			return backend.Mechanism{Mode: backend.Hardware, Switch: "IPC: shared request page + futex wake-ups (a process switch each way)",
				Detail: "separate address spaces; wake-ups across cores are slow on virtualized hosts, and the report shows it"}
		},
	}), backend.Isolates)
}
