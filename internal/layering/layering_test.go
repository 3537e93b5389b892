package layering

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// layer is one level of the module, lowest first. A package may import
// from its own layer and those below it, never from one above; in a layer
// marked apart, no two top-level trees import each other (one backend
// does not build on another).
type layer struct {
	name  string
	apart bool
	pkgs  []string // import paths below the module; a trailing "/..." takes the tree
}

// layers is the module's shape, from the bottom up.
var layers = []layer{
	{name: "leaf helpers", pkgs: []string{
		"internal/abi", "untrusted/regfile", "internal/cvalues", "internal/guestbin", "internal/hostload",
		"untrusted/...", "compare/ddsbaseline", "internal/backendlist", "internal/testimages",
		"caps", "image", "eptviews", "vmm/kvm", "internal/layering", "internal/docs", "internal/hostsys",
	}},
	{name: "backend contract", pkgs: []string{"backend/..."}},
	{name: "helpers on the contract", pkgs: []string{
		"internal/callbudget", "internal/pagefault", "internal/spinwait", "compare/memcached",
		"internal/wlcheck", "internal/xstatecheck", "vmm/vcpu",
	}},
	{name: "machines", pkgs: []string{"vmm", "vmm/hvmode", "backend/hostproc"}},
	{name: "backends", apart: true, pkgs: []string{"vmm/vmfunc", "handoff", "pku", "baselines/..."}},
	{name: "suites", pkgs: []string{"attacks"}},
	{name: "conformance", pkgs: []string{"backend/backendtest/..."}},
	{name: "compare", pkgs: []string{"compare/..."}},
	{name: "commands", apart: true, pkgs: []string{"cmd/...", "internal/tcginit", "internal/backendlist/gen", "internal/tools/..."}},
}

// module is the module's path (go.mod).
const module = "plib"

// place returns the layer index of a module package and the top-level
// tree it belongs to in that layer (the pattern it matched), or -1.
func place(pkg string) (int, string) {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	best, tree, bestLen := -1, "", -1
	for i, l := range layers {
		for _, p := range l.pkgs {
			base, isTree := strings.CutSuffix(p, "/...")
			sub, under := strings.CutPrefix(rel, base+"/")
			if rel != base && !(isTree && under) || len(base) <= bestLen { // the most specific pattern wins
				continue
			}
			best, tree, bestLen = i, base, len(base)
			if rel != base { // a tree's packages: apart by their first directory below it
				first, _, _ := strings.Cut(sub, "/")
				tree = base + "/" + first
			}
		}
	}
	return best, tree
}

// pkgInfo is what the test reads of `go list -json`.
type pkgInfo struct {
	ImportPath string
	Imports    []string
}

// listPackages runs go list over the module: every package and its
// non-test imports (a test may import from above: hostproc's tests register
// the backends they run).
func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// badEdges returns each import that points up a layer or across apart
// trees, and each package placed in no layer.
func badEdges(pkgs []pkgInfo) []string {
	var bad []string
	for _, p := range pkgs {
		from, fromTree := place(p.ImportPath)
		if from < 0 {
			bad = append(bad, fmt.Sprintf("%s is in no layer: place it in layers", p.ImportPath))
			continue
		}
		for _, imp := range p.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to, toTree := place(imp)
			switch {
			case to < 0:
				bad = append(bad, fmt.Sprintf("%s imports %s, which is in no layer", p.ImportPath, imp))
			case to > from:
				bad = append(bad, fmt.Sprintf("%s (%s) imports %s (%s): an import from a layer above",
					p.ImportPath, layers[from].name, imp, layers[to].name))
			case to == from && layers[from].apart && toTree != fromTree:
				bad = append(bad, fmt.Sprintf("%s imports %s: two %s build on each other",
					p.ImportPath, imp, layers[from].name))
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// TestNoImportPointsUp fails with every import that reaches from a lower
// layer into a higher one.
func TestNoImportPointsUp(t *testing.T) {
	for _, e := range badEdges(listPackages(t)) {
		t.Error(e)
	}
}

// TestLayeringRefusesUpwardImports feeds the check a graph with the
// imports it exists to refuse, so that it cannot pass by seeing nothing.
func TestLayeringRefusesUpwardImports(t *testing.T) {
	pkgs := []pkgInfo{
		{ImportPath: "plib/backend", Imports: []string{"plib/internal/abi", "plib/handoff"}},
		{ImportPath: "plib/image", Imports: []string{"plib/compare"}},
		{ImportPath: "plib/pku", Imports: []string{"plib/baselines/process", "plib/backend/hostproc"}},
		{ImportPath: "plib/baselines/none", Imports: []string{"plib/baselines/mprotect"}},
		{ImportPath: "plib/newthing"},
	}
	got := strings.Join(badEdges(pkgs), "\n")
	for _, want := range []string{
		"plib/backend (backend contract) imports plib/handoff (backends)",
		"plib/image (leaf helpers) imports plib/compare (compare)",
		"plib/pku imports plib/baselines/process: two backends build on each other",
		"plib/baselines/none imports plib/baselines/mprotect: two backends build on each other",
		"plib/newthing is in no layer",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the check let %q pass; it reported:\n%s", want, got)
		}
	}
	if strings.Contains(got, "internal/abi") || strings.Contains(got, "backend/hostproc") {
		t.Errorf("the check refused a downward import:\n%s", got)
	}
}

// maxLine is the longest a line of non-test Go may be.
const maxLine = 160

// TestNoLongGoLines fails on each line of non-test Go over maxLine
// characters.
func TestNoLongGoLines(t *testing.T) {
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "build" || n == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			if l := len([]rune(sc.Text())); l > maxLine {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: %d characters, more than %d", rel, n, l, maxLine)
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
