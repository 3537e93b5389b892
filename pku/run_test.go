package pku_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/image"
	"plib/internal/testimages"
	_ "plib/pku" // the backend under test registers itself
)

// The backend re-executes this test binary as the supervisor of the
// image's process. An init, run once the backend has registered, rather
// than TestMain, so that every test file of the package may rely on it.
func init() { hostproc.MaybeChild() }

// pku is the backend, as the registry has it.
var pku = func() backend.Backend {
	b, ok := backend.Lookup("pku")
	if !ok {
		panic("no backend pku")
	}
	return b
}()

// runPKU runs image name under pku for at most a minute, with vmm run's
// default call budget.
func runPKU(t *testing.T, name string, params map[string]int64) (*backend.Result, string) {
	t.Helper()
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := backend.Run(context.Background(), pku, img, p, backend.Options{Params: params, Timeout: time.Minute, CallBudget: 10 * time.Second, Output: &out})
	if err != nil {
		t.Fatalf("run %s under pku: %v", name, err)
	}
	return res, out.String()
}
