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
