package hostproc_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	_ "plib/baselines/mprotect" // the backends under test register themselves
	_ "plib/baselines/none"
	_ "plib/baselines/process"
	"plib/image"
	"plib/internal/testimages"
)

// The host backends that run on any Linux machine, as the registry has
// them (pku needs protection keys: its tests are package pku's).
var none, mprotect, process = lookup("none"), lookup("mprotect"), lookup("process")

func lookup(name string) backend.Backend {
	b, ok := backend.Lookup(name)
	if !ok {
		panic("no backend " + name)
	}
	return b
}

func TestMain(m *testing.M) {
	hostproc.MaybeChild() // the backend re-executes this test binary for the workload
	os.Exit(m.Run())
}

func runNone(t *testing.T, name string, params map[string]int64, timeout time.Duration) (*backend.Result, string) {
	t.Helper()
	return runBackendTimeout(t, none, name, params, timeout)
}

func runBackend(t *testing.T, b backend.Backend, name string, params map[string]int64) (*backend.Result, string) {
	t.Helper()
	return runBackendTimeout(t, b, name, params, time.Minute)
}

func runBackendTimeout(t *testing.T, b backend.Backend, name string, params map[string]int64, timeout time.Duration) (*backend.Result, string) {
	t.Helper()
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// The call budget is vmm run's default: the gates' budget bookkeeping
	// runs in every test, as it does for users (it once clobbered an
	// argument register that only a budgeted run could show).
	res, err := backend.Run(context.Background(), b, img, p, backend.Options{Params: params, Timeout: timeout, CallBudget: 10 * time.Second, Output: &out})
	if err != nil {
		t.Fatalf("run %s under %s: %v", name, b.Name(), err)
	}
	return res, out.String()
}

func TestNoneTimeoutKillsTheChild(t *testing.T) {
	start := time.Now()
	res, _ := runNone(t, "attack-loop", nil, 500*time.Millisecond)
	if !res.TimedOut || res.Violation == nil || res.Violation.Kind != "timeout" {
		t.Fatalf("loop under none: %+v", res)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestNoneRefusesAnImageThatDoesNotLoad(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/bad.elf"
	os.WriteFile(p, []byte("not an image"), 0o644)
	_, err := backend.Run(context.Background(), none, nil, p, backend.Options{Timeout: time.Minute, Output: os.Stderr})
	if err == nil || !strings.Contains(err.Error(), "none child failed") || !strings.Contains(err.Error(), "not an ELF file") {
		t.Fatalf("bad image in the child: %v", err)
	}
}
