package backend

import "fmt"

// WaitPolicy is how a backend whose library call is a hand-off between
// two threads of control (the process backend's processes) waits for the
// other side: the caller for its result, an idle library for a call.
type WaitPolicy int

// Wait policies.
const (
	// WaitAuto is the backend's own choice for this machine (spin where
	// there are cores for both sides to spin on, sleep otherwise).
	WaitAuto WaitPolicy = iota
	// WaitSpin spins on the shared word for a bounded time, then sleeps;
	// each side runs on a core of its own.
	WaitSpin
	// WaitSleep sleeps at once (a wake-up per call each way); both sides
	// share one core, where a wake-up is cheapest.
	WaitSleep
)

// String is the policy's --wait name.
func (w WaitPolicy) String() string {
	switch w {
	case WaitSpin:
		return "spin"
	case WaitSleep:
		return "sleep"
	}
	return "auto"
}

// WaitPolicies are the --wait names.
var WaitPolicies = []string{"auto", "spin", "sleep"}

// ParseWaitPolicy reads a --wait value.
func ParseWaitPolicy(s string) (WaitPolicy, error) {
	for _, w := range []WaitPolicy{WaitAuto, WaitSpin, WaitSleep} {
		if s == w.String() {
			return w, nil
		}
	}
	return WaitAuto, fmt.Errorf("wait policy %q: want auto, spin or sleep", s)
}
