// Package testimages gives tests the path of a workload image: from
// $PLIB_IMAGES (set by scripts/test after scripts/build) when it holds the
// image, otherwise built once per test process with guestlib/mkimage into
// a temporary directory, so `go test ./...` works from a fresh clone.
package testimages

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string]string{}
	tmp   string
)

// Root is the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// FindRoot is Root for code without a testing.TB (an Example).
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testimages: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testimages: no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Path returns the image named name (e.g. "null", "attack-read").
func Path(t testing.TB, name string) string {
	t.Helper()
	p, err := Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Find is Path for code without a testing.TB (an Example).
func Find(name string) (string, error) {
	if d := os.Getenv("PLIB_IMAGES"); d != "" {
		p := filepath.Join(d, name+".elf")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if p, ok := built[name]; ok {
		return p, nil
	}
	root, err := FindRoot()
	if err != nil {
		return "", err
	}
	src := filepath.Join(root, "workloads", name)
	if rest, ok := strings.CutPrefix(name, "attack-"); ok {
		src = filepath.Join(root, "workloads", "attacks", rest)
	}
	if tmp == "" {
		if tmp, err = os.MkdirTemp("", "plib-images-"); err != nil {
			return "", fmt.Errorf("testimages: %w", err)
		}
	}
	p := filepath.Join(tmp, name+".elf")
	out, err := exec.Command(filepath.Join(root, "guestlib", "mkimage"), src, p).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build image %s from %s: %w\n%s", name, src, err, out)
	}
	built[name] = p
	return p, nil
}

// Bytes returns the contents of the named image.
func Bytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
