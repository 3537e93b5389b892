// Command gen writes backends_gen.go in the current directory (cmd/vmm):
// the import list of every backend package; and, for the packages whose
// registration is built only under a build constraint, one file per
// constraint carrying it (backends_plibtest_gen.go), removing those no
// package needs any more. Run by go generate ./cmd/vmm.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"plib/internal/backendlist"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "backendlist:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	root := dir
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return fmt.Errorf("no go.mod above %s", dir)
		}
		root = parent
	}
	pkgs, err := backendlist.Packages(root)
	if err != nil {
		return err
	}
	src, err := backendlist.Source("main", pkgs)
	if err != nil {
		return err
	}
	if err := os.WriteFile(backendlist.File(""), src, 0o644); err != nil {
		return err
	}
	constrained, err := backendlist.Constrained(root)
	if err != nil {
		return err
	}
	for expr, pkgs := range constrained {
		src, err := backendlist.ConstrainedSource(expr, "main", pkgs)
		if err != nil {
			return err
		}
		if err := os.WriteFile(backendlist.File(expr), src, 0o644); err != nil {
			return err
		}
	}
	stale, err := backendlist.Stale(".", constrained)
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
}
