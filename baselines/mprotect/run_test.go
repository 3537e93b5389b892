package mprotect_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	_ "plib/baselines/mprotect" // the backend under test registers itself
	"plib/image"
	"plib/internal/testimages"
)

// The backend re-executes this test binary as the supervisor of the
// image's process. An init, run once the backend has registered, rather
// than TestMain, so that every test file of the package may rely on it.
func init() { hostproc.MaybeChild() }

// runMprotect runs image name under mprotect for at most a minute, with
// vmm run's default call budget.
func runMprotect(t *testing.T, name string, params map[string]int64) (*backend.Result, string) {
	t.Helper()
	b, ok := backend.Lookup("mprotect")
	if !ok {
		t.Fatal("no backend mprotect")
	}
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := backend.Run(context.Background(), b, img, p, backend.Options{Params: params, Timeout: time.Minute, CallBudget: 10 * time.Second, Output: &out})
	if err != nil {
		t.Fatalf("run %s under mprotect: %v", name, err)
	}
	return res, out.String()
}
