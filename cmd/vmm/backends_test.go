package main

import (
	"bytes"
	"go/build/constraint"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"plib/backend"
	"plib/internal/backendlist"
)

// TestEveryBackendPackageIsLinked: backends_gen.go imports exactly the
// backend packages of the tree, and each backends_TAG_gen.go exactly
// those whose registration is built only under that constraint (with the
// constraint), so a new backend package shows up in run, caps, compare
// and attacks once go generate ./cmd/vmm has run (scripts/build runs
// it), and a stale list fails here. The backends registered in this test
// binary are exactly those of the lists its build tags select.
func TestEveryBackendPackageIsLinked(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := backendlist.Packages(root)
	if err != nil {
		t.Fatal(err)
	}
	want, err := backendlist.Source("main", pkgs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(backendlist.File(""))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("backends_gen.go is stale: run go generate ./cmd/vmm\nwant:\n%s", want)
	}
	constrained, err := backendlist.Constrained(root)
	if err != nil {
		t.Fatal(err)
	}
	linked := len(pkgs)
	for expr, cpkgs := range constrained {
		want, err := backendlist.ConstrainedSource(expr, "main", cpkgs)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(backendlist.File(expr)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing (%v): run go generate ./cmd/vmm\nwant:\n%s", backendlist.File(expr), err, want)
		}
		x, err := constraint.Parse("//go:build " + expr)
		if err != nil {
			t.Fatal(err)
		}
		if x.Eval(buildTag) {
			linked += len(cpkgs)
		}
	}
	if stale, err := backendlist.Stale(".", constrained); err != nil || len(stale) > 0 {
		t.Errorf("generated lists no backend package needs: %v (%v): run go generate ./cmd/vmm", stale, err)
	}
	if len(pkgs) < 5 || len(backend.Names()) != linked {
		t.Errorf("%d backend packages linked in this build, %d registered backends (%v)", linked, len(backend.Names()), backend.Names())
	}
}

// buildTag reports whether this test binary was built with tag: its
// -tags, GOOS or GOARCH.
func buildTag(tag string) bool {
	if tag == runtime.GOOS || tag == runtime.GOARCH || tag == "unix" && runtime.GOOS == "linux" {
		return true
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-tags" {
			for _, t := range strings.Split(s.Value, ",") {
				if t == tag {
					return true
				}
			}
		}
	}
	return false
}
