// Command gen writes backends_gen.go in the current directory (cmd/vmm):
// the import list of every backend package. Run by go generate ./cmd/vmm.
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
	return os.WriteFile("backends_gen.go", src, 0o644)
}
