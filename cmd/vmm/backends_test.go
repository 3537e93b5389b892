package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"plib/backend"
	"plib/internal/backendlist"
)

// TestEveryBackendPackageIsLinked: backends_gen.go imports exactly the
// backend packages of the tree, so a new backend package shows up in
// run, caps, compare and attacks once go generate ./cmd/vmm has run
// (scripts/build runs it), and a stale list fails here.
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
	got, err := os.ReadFile("backends_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("backends_gen.go is stale: run go generate ./cmd/vmm\nwant:\n%s", want)
	}
	if len(pkgs) < 5 || len(backend.Names()) != len(pkgs) {
		t.Errorf("%d backend packages, %d registered backends (%v)", len(pkgs), len(backend.Names()), backend.Names())
	}
}
