package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchFormatReadByBenchstat: report.bench.txt is read by benchstat
// (golang.org/x/perf, a test-only dependency pinned in go.mod) without a
// parse error, and -col /backend sets every backend side by side.
func TestBenchFormatReadByBenchstat(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPED: no go command on PATH to run benchstat with")
	}
	r := load(t, "quick.json")
	var b bytes.Buffer
	if err := r.Bench(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{"goos: linux\n", "cpu: AMD EPYC", "machine: vm\n", "plib-version: 5cac1e4-dirty\n",
		"mechanism-vmfunc: emulated by vmm\n", "BenchmarkKV/op=get_128/backend=mprotect 30 ", "BenchmarkNull/op=call/backend=none 300 ",
		"BenchmarkAnchor/op=getpid/backend=host 1 "} {
		if !strings.Contains(text, want) {
			t.Errorf("report.bench.txt lacks %q", want)
		}
	}
	file := filepath.Join(t.TempDir(), "report.bench.txt")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "run", "golang.org/x/perf/cmd/benchstat", "-col", "/backend", file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("benchstat: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	if strings.TrimSpace(stderr.String()) != "" || strings.Contains(out, "syntax error") || strings.Contains(out, "parsing") {
		t.Errorf("benchstat complained:\n%s\n%s", stderr.String(), out)
	}
	for _, be := range []string{"none", "mprotect", "process", "vmfunc", "memcached", "host"} {
		if !strings.Contains(out, be) {
			t.Errorf("benchstat's table does not name %s:\n%s", be, out)
		}
	}
	if !strings.Contains(out, "KV/op=get_128") || !strings.Contains(out, "sec/op") {
		t.Errorf("benchstat's table lacks kv's get_128 or its time unit:\n%s", out)
	}
	t.Logf("benchstat -col /backend:\n%s", out)
}
