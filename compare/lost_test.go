package compare

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"plib/backend"
	"plib/internal/testimages"
)

// TestPickWorkloads: --workload keeps the named workloads, each once, in
// the order given; an unknown name is an error listing the known ones.
func TestPickWorkloads(t *testing.T) {
	ws := []Workload{{Name: "ipc"}, {Name: "kv"}, {Name: "null"}}
	got, err := pick(ws, []string{"null", "kv", "null"}, "imgs")
	if err != nil || len(got) != 2 || got[0].Name != "null" || got[1].Name != "kv" {
		t.Errorf("pick null,kv,null: %v, %v", got, err)
	}
	if got, err := pick(ws, nil, "imgs"); err != nil || len(got) != 3 {
		t.Errorf("no names: %v, %v", got, err)
	}
	_, err = pick(ws, []string{"kv", "nosuch"}, "imgs")
	if !errors.Is(err, ErrUnknownWorkload) || !strings.Contains(err.Error(), `"nosuch": the benchmark workloads in imgs are ipc, kv, null`) {
		t.Errorf("unknown name: %v", err)
	}
}

// TestWorkloadNamesFromFileNames: a workload is named by its image's file
// name, and that name goes into every report; an image whose name --merge
// would refuse (control characters, markup, capitals) is refused by name
// before anything runs, and the error shows the name escaped.
func TestWorkloadNamesFromFileNames(t *testing.T) {
	img, err := os.ReadFile(testimages.Path(t, "null"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nl\x1b[31m\nX", "<!-- end of measured -->", "Kv", "-x", "null\u202e"} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "null.elf"), img, 0o755)
		os.WriteFile(filepath.Join(dir, name+".elf"), img, 0o755)
		_, err := Workloads(dir)
		if err == nil || !strings.Contains(err.Error(), "workload name") {
			t.Errorf("image %q: %v, want it refused for its name", name, err)
			continue
		}
		if strings.ContainsAny(err.Error(), "\x1b\n") || strings.Contains(err.Error(), "\u202e") {
			t.Errorf("image %q: the error holds the raw name: %q", name, err)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "null_2.elf"), img, 0o755)
	ws, err := Workloads(dir)
	if err != nil || len(ws) != 1 || ws[0].Name != "null_2" {
		t.Fatalf("a good name: %v, %v", ws, err)
	}
}

// TestMetricReportedTwiceIsInvalid: one application instance reporting a
// metric twice (two sets of rounds under one name) is found, so its
// series is marked invalid instead of joining the two; instances of a
// multi-instance run each report it once.
func TestMetricReportedTwiceIsInvalid(t *testing.T) {
	res := &backend.Result{Metrics: []backend.Metric{
		{Name: "first_cycles", Value: 5, Domain: "app"}, {Name: "ok_cycles", Value: 1, Domain: "app"},
		{Name: "first_cycles", Value: 7, Domain: "app"}, {Name: "ok_cycles", Value: 1, Domain: "app#1"},
	}}
	if d, n := reportedTwice(res, "first_cycles"); n != 2 || d != "app" {
		t.Errorf("first_cycles reported twice by app: got %d by %q", n, d)
	}
	if _, n := reportedTwice(res, "ok_cycles"); n != 1 {
		t.Errorf("ok_cycles, once per instance: got %d", n)
	}
}
