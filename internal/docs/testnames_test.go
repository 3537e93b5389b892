package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// testNameRE is a Go test, fuzz target or benchmark named in prose
	// (TestSharingUnderVMFUNC, FuzzParse), with an optional subtest path
	// (TestConformance/sharing): only the function's name is checked.
	testNameRE = regexp.MustCompile(`\b((?:Test|Fuzz|Benchmark)[A-Z][A-Za-z0-9_]*)`)
	testFuncRE = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)[A-Z][A-Za-z0-9_]*)\(`)
)

// TestNamedTestsExist: every test the documents name (SECURITY.md's
// rows point to the test that proves each one) is a function in some
// _test.go file of the tree, so that removing or renaming a test cannot
// leave a row pointing at nothing.
func TestNamedTestsExist(t *testing.T) {
	dir := root(t)
	have := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "build" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range testFuncRE.FindAllStringSubmatch(string(b), -1) {
			have[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, doc := range documents(t, dir) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(string(b), "\n") {
			for _, at := range testNameRE.FindAllStringSubmatchIndex(line, -1) {
				name := line[at[2]:at[3]]
				if strings.HasPrefix(line[at[3]:], "/op=") {
					continue // a line of report.bench.txt, not a test
				}
				named++
				if !have[name] {
					t.Errorf("%s:%d names %s, which no _test.go file defines", filepath.Base(doc), n+1, name)
				}
			}
		}
	}
	if named == 0 {
		t.Fatal("the documents name no test at all: the pattern is broken")
	}
}
