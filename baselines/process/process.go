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
			return backend.Mechanism{Mode: backend.Hardware, Switch: "IPC: shared request page; " + wait(),
				Detail: "separate address spaces; wake-ups across cores are slow on virtualized hosts, and the report shows it (the run's notes give the spin bound, how many calls took the spin and the futex path, and the cores)"}
		},
	}), backend.Isolates)
}

// wait names the wait policy a run takes (hostrun.WaitEnv).
func wait() string {
	policy, err := hostrun.ProcessWait()
	switch {
	case err != nil:
		return "wait policy refused: " + err.Error()
	case policy == hostrun.Sleep:
		return "futex wake-ups each way (wait policy sleep)"
	}
	return "bounded spin on the shared words, then futex wake-ups (wait policy spin; the bound is a futex round trip measured at the start)"
}
