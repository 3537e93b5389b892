package process

import (
	"fmt"

	"plib/backend"
	"plib/internal/abi"
	"plib/internal/hostsys"
)

// WaitPlan is how a run of the process backend waits and where its
// processes run: the policy, the cores, the spin bound and the floor it
// sets.
type WaitPlan struct {
	Policy  backend.WaitPolicy // WaitSpin or WaitSleep, never WaitAuto
	AppCore int                // the application's process runs here
	LibCore int                // every library's process runs here
	Why     string             // why auto chose this, if it did
}

// PlanWait resolves a wait policy on this machine for a run whose
// processes number sides (every application instance and every library
// process): spin puts the application's process and the libraries' on
// cores of their own (a side spinning on the core the other needs only
// delays it), sleep puts them on one core (a wake-up on the same core
// costs least). Spin on a machine with one usable core is unavailable;
// auto spins only where every side has a core to spin on, and otherwise
// sleeps and says why.
func PlanWait(w backend.WaitPolicy, sides int) (WaitPlan, error) {
	cores, _ := hostsys.UsableCores()
	if len(cores) == 0 {
		cores = []int{0}
	}
	switch w {
	case backend.WaitSpin:
		if len(cores) < 2 {
			return WaitPlan{}, fmt.Errorf("%w: --wait=spin needs two cores, one per side; this process may use one (%v)", backend.ErrUnavailable, cores)
		}
		return WaitPlan{Policy: backend.WaitSpin, AppCore: cores[0], LibCore: cores[1]}, nil
	case backend.WaitSleep:
		return WaitPlan{Policy: backend.WaitSleep, AppCore: cores[0], LibCore: cores[0]}, nil
	}
	if len(cores) < 2 || sides > len(cores) {
		return WaitPlan{Policy: backend.WaitSleep, AppCore: cores[0], LibCore: cores[0],
			Why: fmt.Sprintf("auto chose sleep: %d processes would spin on %d usable cores", sides, len(cores))}, nil
	}
	return WaitPlan{Policy: backend.WaitSpin, AppCore: cores[0], LibCore: cores[1],
		Why: fmt.Sprintf("auto chose spin: %d processes, %d usable cores", sides, len(cores))}, nil
}

// Switch describes the plan as a mechanism's switch.
func (p WaitPlan) Switch() string {
	if p.Policy == backend.WaitSleep {
		return fmt.Sprintf("IPC: shared request page; futex wake-ups each way (--wait=sleep; app and libraries on core %d)", p.AppCore)
	}
	return fmt.Sprintf("IPC: shared request page; bounded spin on the shared words, then futex wake-ups (--wait=spin; app on core %d, "+
		"libraries on core %d)", p.AppCore, p.LibCore)
}

// Floor is what one call cannot avoid under the plan: a round trip
// through shared memory across two cores (spin), or a futex round trip on
// one core (sleep).
func (p WaitPlan) Floor() *backend.Floor {
	if p.Policy == backend.WaitSleep {
		return &backend.Floor{Anchor: "futex-1core", Times: 1, What: "a futex round trip between two threads on one core"}
	}
	return &backend.Floor{Anchor: "spin", Times: 1, What: "a shared-memory round trip between two cores"}
}

// Words of the request page and the header word of the bound
// (plib_abi.h; see guestlib/trusted/gate_process.S).
const (
	hdrSpin = abi.HdrSpin
	reqFast = abi.ReqFast
	reqSlow = abi.ReqSlow
)
