package attacks

import (
	"context"
	"path/filepath"
	"testing"

	"plib/backend"
	"plib/image"
	"plib/internal/testimages"
)

// outOfTime is a backend whose every run ends on the wall-clock timer, as
// a loaded machine ends an attack that was meant to finish.
type outOfTime struct{}

func (outOfTime) Name() string { return "out-of-time" }
func (outOfTime) Probe() backend.Mechanism {
	return backend.Mechanism{Backend: "out-of-time", Mode: backend.Hardware}
}
func (outOfTime) RunInstance(ctx context.Context, img *image.Image, path string, opts backend.Options, inst backend.Instance) (*backend.Result, error) {
	return &backend.Result{Backend: "out-of-time", TimedOut: true, Violation: &backend.Violation{
		Kind: backend.ViolationTimeout, Domain: "unknown", Catcher: backend.CatcherTimer, CaughtBy: "host timer"}}, nil
}

// A timer that ends an attack meant to finish (one that declares a
// Defeated exit) is no verdict: the run is a failure, never "stopped";
// an attack that never returns is still stopped by it.
func TestTimeoutIsNoVerdictForAnAttackMeantToFinish(t *testing.T) {
	dir := filepath.Dir(testimages.Path(t, "attack-toctou"))
	testimages.Path(t, "attack-loop")
	byName := map[string]Attack{}
	for _, a := range Catalogue {
		byName[a.Image] = a
	}
	if o := Run(context.Background(), outOfTime{}, byName["attack-toctou"], dir); o.Verdict != Failed || o.OK(outOfTime{}.Probe()) {
		t.Errorf("attack-toctou ended by the timer: %+v, want a failed run (no verdict)", o)
	}
	if o := Run(context.Background(), outOfTime{}, byName["attack-loop"], dir); o.Verdict != Stopped {
		t.Errorf("attack-loop ended by the timer: %+v, want stopped", o)
	}
}
