package process_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	_ "plib/baselines/process" // the backend under test registers itself
	"plib/image"
	"plib/internal/testimages"
)

// The backend re-executes this test binary as the supervisor of each of
// the run's processes. An init, run once the backend has registered,
// rather than TestMain, so that every test file of the package may rely
// on it.
func init() { hostproc.MaybeChild() }

// process is the backend, as the registry has it.
var process = func() backend.Backend {
	b, ok := backend.Lookup("process")
	if !ok {
		panic("no backend process")
	}
	return b
}()

// runProcess runs image name under process for at most a minute, with
// vmm run's default call budget.
func runProcess(t *testing.T, name string, params map[string]int64) (*backend.Result, string) {
	t.Helper()
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := backend.Run(context.Background(), process, img, p, backend.Options{Params: params, Timeout: time.Minute, CallBudget: 10 * time.Second, Output: &out})
	if err != nil {
		t.Fatalf("run %s under process: %v", name, err)
	}
	return res, out.String()
}
