package none_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	_ "plib/baselines/none" // the backend under test registers itself
	"plib/image"
	"plib/internal/testimages"
)

// The backend re-executes this test binary as the supervisor of the
// image's process. An init, run once the backend has registered, rather
// than TestMain, so that every test file of the package may rely on it.
func init() { hostproc.MaybeChild() }

// none is the backend, as the registry has it.
var none = func() backend.Backend {
	b, ok := backend.Lookup("none")
	if !ok {
		panic("no backend none")
	}
	return b
}()

// runNone runs image name under none with vmm run's default call budget.
func runNone(t *testing.T, name string, params map[string]int64, timeout time.Duration) (*backend.Result, string) {
	t.Helper()
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := backend.Run(context.Background(), none, img, p, backend.Options{Params: params, Timeout: timeout, CallBudget: 10 * time.Second, Output: &out})
	if err != nil {
		t.Fatalf("run %s under none: %v", name, err)
	}
	return res, out.String()
}
