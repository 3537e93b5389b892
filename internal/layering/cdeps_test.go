package layering

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// cUnit is a set of guestlib sources linked together, with the flags
// their build compiles them with.
type cUnit struct {
	name  string
	flags []string
	files []string // below guestlib
}

var cUnits = []cUnit{
	{name: "hypervisor mode", flags: []string{"-std=c11", "-I", "hv"},
		files: []string{"hv/boot.S", "hv/vmentry.S", "hv/vmx.c", "hv/exits.c", "hv/out.c", "rt/rt.c"}},
	{name: "application runtime", flags: []string{"-std=gnu11"}, files: []string{"rt/rt.c", "rt/start.S", "rt/report.c"}},
	{name: "library runtime", flags: []string{"-std=gnu11", "-DPLIB_LIB=t", "-DPLIB_LIB_ID=1"},
		files: []string{"rt/rt.c", "rt/lib.c", "rt/heap.c"}},
	{name: "loader", flags: []string{"-std=gnu11"}, files: []string{"loader/loader.c", "loader/start.S"}},
}

// symbols returns the global symbols an object defines and those it uses.
func symbols(t *testing.T, obj string) (defined, used map[string]bool) {
	t.Helper()
	out, err := exec.Command("nm", obj).Output()
	if err != nil {
		t.Fatalf("nm %s: %v", obj, err)
	}
	defined, used = map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "U":
			used[f[1]] = true
		case len(f) == 3 && strings.ContainsAny(f[1], "TDBRCGSV"): // upper case: global
			defined[f[2]] = true
		}
	}
	return defined, used
}

// includes returns the quoted headers a source includes.
func includes(t *testing.T, src string) []string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^#include "([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// cEdges returns, for each source of a unit, the other sources it depends
// on: those defining a symbol it uses, and those whose own header (vmx.h
// for vmx.c) it includes.
func cEdges(t *testing.T, u cUnit) map[string]map[string]bool {
	t.Helper()
	dir := t.TempDir()
	def, use := map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, f := range u.files {
		obj := filepath.Join(dir, strings.ReplaceAll(f, "/", "_")+".o")
		args := append([]string{"-O2", "-Wall", "-Werror", "-ffreestanding", "-fno-builtin", "-fno-pic", "-fno-pie",
			"-mgeneral-regs-only", "-mno-red-zone", "-fno-stack-protector", "-I", "include", "-c", f, "-o", obj}, u.flags...)
		cmd := exec.Command("gcc", args...)
		cmd.Dir = "../../guestlib"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: gcc %s: %v\n%s", u.name, f, err, out)
		}
		def[f], use[f] = symbols(t, obj)
	}
	edges := map[string]map[string]bool{}
	for _, a := range u.files {
		edges[a] = map[string]bool{}
		for _, b := range u.files {
			if a == b {
				continue
			}
			for s := range use[a] {
				if def[b][s] {
					edges[a][b] = true
				}
			}
			if strings.HasSuffix(b, ".c") && filepath.Ext(a) != ".S" {
				own := strings.TrimSuffix(filepath.Base(b), ".c") + ".h"
				for _, h := range includes(t, filepath.Join("../../guestlib", a)) {
					if h == own {
						edges[a][b] = true
					}
				}
			}
		}
	}
	return edges
}

// TestNoTwoCFilesDependOnEachOther fails on any pair of guestlib C files
// linked together of which each uses the other's symbols or header: one
// of the two must build on the other, not both.
func TestNoTwoCFilesDependOnEachOther(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatalf("gcc is required to read guestlib's dependencies: %v", err)
	}
	for _, u := range cUnits {
		e := cEdges(t, u)
		var bad []string
		for a, to := range e {
			for b := range to {
				// Only C with C: an assembly entry stub and the C it
				// enters (vmentry.S and vmx.c) call each other by nature.
				if a < b && e[b][a] && filepath.Ext(a) == ".c" && filepath.Ext(b) == ".c" {
					bad = append(bad, a+" <-> "+b)
				}
			}
		}
		sort.Strings(bad)
		for _, p := range bad {
			t.Errorf("%s: %s depend on each other", u.name, p)
		}
	}
}

// headerProto matches a function a header declares without defining it.
var headerProto = regexp.MustCompile(`(?m)^[a-z][\w \*]*?\b(\w+)\(([^;{]*)\)(?: __attribute__\(\(.*\)\))?;`)

// TestHeaderHelpersNeedNoRuntime fails if a static inline helper of a
// guestlib header calls a function the header only declares (one the
// runtime defines): the runtime builds on the header, so the header's
// helpers must not build on the runtime.
func TestHeaderHelpersNeedNoRuntime(t *testing.T) {
	for _, h := range []string{"plib.h", "plib_lock.h", "plib_nic.h"} {
		b, err := os.ReadFile(filepath.Join("../../guestlib/include", h))
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		var declared []string
		for _, m := range headerProto.FindAllStringSubmatch(src, -1) {
			declared = append(declared, m[1])
		}
		for _, body := range inlineBodies(src) {
			for _, d := range declared {
				if regexp.MustCompile(`\b` + d + `\(`).MatchString(body.text) {
					t.Errorf("%s: inline %s calls %s, which the header only declares", h, body.name, d)
				}
			}
		}
	}
}

// inlineBody is one static inline function of a header.
type inlineBody struct{ name, text string }

// inlineBodies returns each static inline function's name and body.
func inlineBodies(src string) []inlineBody {
	var out []inlineBody
	re := regexp.MustCompile(`static inline [\w \*]*?\b(\w+)\([^)]*\)\s*\{`)
	for _, loc := range re.FindAllStringSubmatchIndex(src, -1) {
		depth, i := 1, loc[1]
		for ; i < len(src) && depth > 0; i++ {
			switch src[i] {
			case '{':
				depth++
			case '}':
				depth--
			}
		}
		out = append(out, inlineBody{name: src[loc[2]:loc[3]], text: src[loc[1]:i]})
	}
	return out
}
