package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeStaysAnEntryPoint: README.md fits in 250 lines and opens
// with the two commands, and every document in docs/ is reachable from
// the index, docs/README.md.
func TestReadmeStaysAnEntryPoint(t *testing.T) {
	dir := root(t)
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if n := strings.Count(readme, "\n"); n > 250 {
		t.Errorf("README.md has %d lines; at most 250 (the rest belongs in docs/)", n)
	}
	for _, cmd := range []string{"\n    scripts/demo    # ", "\n    scripts/test    # "} {
		if i := strings.Index(readme, cmd); i < 0 || strings.Count(readme[:i], "\n") > 60 {
			t.Errorf("README.md does not show %q within its first 60 lines", strings.TrimSpace(cmd))
		}
	}
	idx, err := os.ReadFile(filepath.Join(dir, "docs", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := filepath.Glob(filepath.Join(dir, "docs", "*.md"))
	for _, d := range ds {
		name := filepath.Base(d)
		if name != "README.md" && !strings.Contains(string(idx), "]("+name+")") {
			t.Errorf("docs/README.md does not link %s", name)
		}
	}
}
