// Package process is the process backend: each library runs in a process
// of its own, and the application reaches it through a request page in
// shared memory and futex wake-ups (guestlib/trusted/gate_process.S); the
// application never maps a library's pages. Its part in the host runtime
// (backend/hostproc) is split.go: it starts a process per library
// beside the application's, lays each out with only its own domain's
// pages and the channels it is an end of, and the supervisor of a
// library's process times every call it serves (served.go); wait.go
// chooses how the two ends wait and where they run.
package process

import (
	"plib/backend"
	"plib/backend/hostproc"
	"plib/internal/guestbin"
)

func init() {
	backend.Register(hostproc.New(hostproc.Spec{
		Name:      "process",
		Gate:      guestbin.GateProcess,
		Isolation: splitProcesses{},
		Probe:     probe,
	}), backend.Isolates, backend.StyleProcess)
}

// probe describes the default wait (--wait=auto) on this machine for one
// application and one library; a run names the policy it took in its
// result.
func probe() backend.Mechanism {
	m := backend.Mechanism{Mode: backend.Hardware,
		Detail: "separate address spaces; the wait policy and placement set the cost (vmm run --wait); the run's notes give the spin bound, how " +
			"many calls took the spin and the futex path, and the cores"}
	plan, err := PlanWait(backend.WaitAuto, 2) // one application, one library
	if err != nil {
		m.Mode, m.Unavailable = backend.Unavailable, err.Error()
		return m
	}
	m.Switch, m.Floor = plan.Switch(), plan.Floor()
	return m
}
