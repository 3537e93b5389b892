package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareMergeOutput: --merge takes its files comma-separated too;
// the terminal gets one summary line per workload and machine, and the
// full tables only with --markdown.
func TestCompareMergeOutput(t *testing.T) {
	td := filepath.Join("..", "..", "compare", "report", "testdata")
	files := filepath.Join(td, "quick.json") + "," + filepath.Join(td, "quick-none-vmfunc.json")
	out := filepath.Join(t.TempDir(), "merged")
	code, stdout, stderr := runVMM(t, "compare", "--merge", files, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "kv: get 128 B on vm#2: none ") || strings.Contains(stdout, "## ") ||
		!strings.Contains(stdout, filepath.Join(out, "report.bench.txt")) {
		t.Errorf("stdout is not the summary:\n%s", stdout)
	}
	code, stdout, stderr = runVMM(t, "compare", "--markdown", "--merge", files, "--out", out)
	if code != 0 || !strings.Contains(stdout, "## Change between reports") || !strings.Contains(stdout, "## How to reproduce this run") {
		t.Errorf("--markdown: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
