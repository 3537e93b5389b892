// Package cvalues lets a test see numbers as the C compiler sees them
// (constants, offsetof, sizeof, struct padding included), so that every
// layout and constant shared between C and Go is checked, not trusted.
package cvalues

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Of compiles and runs a C program that includes prelude and prints
// each of exprs (constants, offsetof, sizeof), so a test sees the numbers
// as the C compiler does, struct padding included.
func Of(t *testing.T, prelude string, includes []string, exprs []string) map[string]int64 {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatalf("gcc is required to check the C side of the ABI: %v", err)
	}
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include <stddef.h>\n" + prelude + "\nint main(void)\n{\n")
	for _, e := range exprs {
		fmt.Fprintf(&src, "\tprintf(\"%%lld\\n\", (long long)(%s));\n", e)
	}
	src.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "abi.c"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-std=gnu11", "-Wall", "-Werror", "-o", filepath.Join(dir, "abi"), filepath.Join(dir, "abi.c")}
	for _, inc := range includes {
		abs, err := filepath.Abs(inc)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "-I", abs)
	}
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s\n%s", err, out, src.String())
	}
	out, err := exec.Command(filepath.Join(dir, "abi")).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(exprs) {
		t.Fatalf("the C program printed %d values for %d expressions", len(lines), len(exprs))
	}
	got := map[string]int64{}
	for i, l := range lines {
		v, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		got[exprs[i]] = v
	}
	return got
}

// Define is one object-like #define of a C or assembly source: its name
// and the whole line (continuations joined), which a C prelude can repeat.
type Define struct {
	Name, Line string
}

// Defines returns every object-like #define with a value in file (an
// include guard, which has none, and function-like macros are left out),
// so a test can demand a Go twin for each one and none is mirrored
// unchecked.
func Defines(t *testing.T, file string) []Define {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []Define
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + lines[i]
		}
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[0] != "#define" || strings.Contains(fields[1], "(") {
			continue
		}
		out = append(out, Define{Name: fields[1], Line: line})
	}
	return out
}

// Check compares each C expression in want (a constant, offsetof,
// sizeof) as gcc evaluates it after prelude with its Go value, and
// reports every one that differs.
func Check(t *testing.T, prelude string, includes []string, want map[string]int64) {
	t.Helper()
	exprs := make([]string, 0, len(want))
	for e := range want {
		exprs = append(exprs, e)
	}
	got := Of(t, prelude, includes, exprs)
	for _, e := range exprs {
		if got[e] != want[e] {
			t.Errorf("%s: C says %#x, Go says %#x", e, got[e], want[e])
		}
	}
}
