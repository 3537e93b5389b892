package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"plib/backend"
	"plib/internal/testimages"
)

// TestTestOnlyBackendJoinsByItsDirectory: the test-only seventh backend
// (backend/backendtest/mirror, built only with the plibtest tag) needs
// nothing but its directory and the generated import list: a bin/vmm
// built with the tag lists it in vmm caps and measures it in vmm compare
// beside the others, drawn in a chart style of its own (report.json's
// mechanisms, and the chart's legend); a build without the tag has no
// such backend.
func TestTestOnlyBackendJoinsByItsDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a tagged vmm and runs vmm compare --quick")
	}
	bin := filepath.Join(t.TempDir(), "vmm")
	build := exec.Command("go", "build", "-tags", "plibtest", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags plibtest: %v\n%s", err, out)
	}
	if code, out, _ := runVMM(t, "caps"); code != 0 || strings.Contains(out, "mirror") {
		t.Errorf("untagged vmm caps (exit %d) names mirror:\n%s", code, out)
	}
	out, err := exec.Command(bin, "caps").Output()
	if err != nil || !strings.Contains("\n"+string(out), "\nmirror    hardware; switch: mprotect system calls") {
		t.Fatalf("tagged vmm caps: %v; no mirror line:\n%s", err, out)
	}
	out, err = exec.Command(bin, "caps", "--json").Output()
	var rep capsReport
	if err != nil || json.Unmarshal(out, &rep) != nil {
		t.Fatalf("tagged vmm caps --json: %v\n%s", err, out)
	}
	if !hasMechanism(rep.Backends, "mirror") || len(rep.Backends) < 7 {
		t.Errorf("tagged vmm caps --json: %d backends, mirror among them: %v", len(rep.Backends), hasMechanism(rep.Backends, "mirror"))
	}

	images := filepath.Dir(testimages.Path(t, "null"))
	dir := filepath.Join(t.TempDir(), "report")
	cmd := exec.Command(bin, "compare", "--quick", "--quiet", "--backend=none", "--backend=mprotect", "--backend=mirror",
		"--workload=null", "--no-memcached", "--no-dds-baselines", "--no-attacks", "--images", images, "--out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vmm compare: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Machines []struct {
			Mechanisms []backend.Mechanism `json:"mechanisms"`
		} `json:"machines"`
	}
	if err := json.Unmarshal(raw, &report); err != nil || len(report.Machines) != 1 {
		t.Fatalf("report.json: %v, %d machines", err, len(report.Machines))
	}
	styles := map[backend.Style]string{}
	for _, m := range report.Machines[0].Mechanisms {
		if o, ok := styles[m.Style]; ok || m.Style == 0 {
			t.Errorf("%s drawn in style %d (%s's too, or none)", m.Backend, m.Style, o)
		}
		styles[m.Style] = m.Backend
	}
	if styles[backend.StyleNext] != "mirror" || len(styles) != 3 {
		t.Errorf("chart styles in report.json: %v; want mirror in style %d beside none and mprotect", styles, backend.StyleNext)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"none", "mprotect", "mirror"} {
		if !strings.Contains(string(md), "| "+name+" |") && !strings.Contains(string(md), "| "+name+" ") {
			t.Errorf("report.md has no row for %s", name)
		}
	}
	charts, _ := filepath.Glob(filepath.Join(dir, "charts", "*-latency-null.svg"))
	if len(charts) != 1 {
		t.Fatalf("the null latency chart: %v", charts)
	}
	svg, err := os.ReadFile(charts[0])
	if err != nil || !strings.Contains(string(svg), "mirror") {
		t.Errorf("the null latency chart's legend names no mirror (%v)", err)
	}
}

// hasMechanism reports whether ms holds the named backend's.
func hasMechanism(ms []backend.Mechanism, name string) bool {
	for _, m := range ms {
		if m.Backend == name {
			return true
		}
	}
	return false
}
