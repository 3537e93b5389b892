package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"plib/internal/testimages"
)

// TestBadInput: every input vmm refuses exits with docs/cli.md's code and a
// message naming the problem, and points at the command's help.
func TestBadInput(t *testing.T) {
	null := testimages.Path(t, "null")
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	readonly := filepath.Join(dir, "ro")
	os.Mkdir(readonly, 0o555)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 2041), 0o644)
	fifo := filepath.Join(dir, "fifo") // no writer ever opens it: reading it would wait for good
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"negative timeout", []string{"run", "--backend=none", "--timeout=-1s", null}, exitUsage, "--timeout=-1s: the bound must be more than 0"},
		{"zero timeout", []string{"run", "--backend=none", "--timeout=0", null}, exitUsage, "--timeout=0s: the bound must be more than 0"},
		{"negative call budget", []string{"run", "--backend=none", "--call-budget=-1s", null}, exitUsage, "--call-budget=-1s: a budget cannot be negative"},
		{"compare negative timeout", []string{"compare", "--timeout=-1s", "--out", filepath.Join(dir, "r")}, exitUsage, "--timeout=-1s"},
		{"compare zero timeout", []string{"compare", "--timeout=0", "--out", filepath.Join(dir, "r")}, exitUsage, "--timeout=0s"},
		{"secret without a file", []string{"run", "--backend=none", "--secret", "null", null}, exitUsage, "--secret null: want LIB=FILE"},
		{"secret file missing", []string{"run", "--backend=none", "--secret", "null=" + filepath.Join(dir, "nosuch"), null}, exitUsage, "no such file"},
		{"secret not a regular file", []string{"run", "--backend=none", "--secret", "null=" + readonly, null}, exitUsage, "is a directory: not a regular file"},
		{"secret a FIFO", []string{"run", "--backend=none", "--secret", "null=" + fifo, null}, exitUsage, "is a FIFO (named pipe): not a regular file"},
		{"secret a kernel file", []string{"run", "--backend=none", "--secret", "null=/proc/self/status", null}, exitUsage, "is a procfs file: not a regular file"},
		{"secret a device", []string{"run", "--backend=none", "--secret", "null=/dev/zero", null}, exitUsage, "is a character device: not a regular file"},
		{"secret too big", []string{"run", "--backend=none", "--secret", "null=" + big, null}, exitUsage, "holds more than 2040 bytes"},
		{"secret for no library", []string{"run", "--backend=none", "--secret", "nolib=" + file, null}, exitUsage, "the image has no library of that name (its libraries: null"},
		{"secret for the app", []string{"run", "--backend=none", "--secret", "app=" + file, null}, exitUsage, "the application never has a secret"},
		{"secret twice", []string{"run", "--backend=none", "--secret", "null=" + file, "--secret", "null=" + file, null}, exitUsage, "is given a secret twice"},
		{"compare secret without a file", []string{"compare", "--secret", "crypto", "--out", filepath.Join(dir, "r")}, exitUsage, "--secret crypto: want LIB=FILE"},
		{"compare secret too big", []string{"compare", "--secret", "crypto=" + big, "--out", filepath.Join(dir, "r")}, exitUsage, "holds more than 2040 bytes"},
		{"compare secret twice", []string{"compare", "--secret", "crypto=" + file, "--secret", "crypto=" + file, "--out", filepath.Join(dir, "r")},
			exitUsage, "is given a secret twice"},
		{"compare secret for no library", []string{"compare", "--images", filepath.Dir(null), "--secret", "nolib=" + file, "--out", filepath.Join(dir, "r")},
			exitUsage, "--secret nolib: no measured workload has a library of that name"},
		{"param without a name", []string{"run", "--backend=none", "--param", "=3", null}, exitUsage, "--param =3: the parameter has no name"},
		{"unknown param", []string{"run", "--backend=none", "--param", "nosuchparam=3", null}, exitUsage, `declares no parameter "nosuchparam" (it declares: iterations, rounds, sys, scrub, samples)`},
		{"param out of range", []string{"run", "--backend=none", "--param", "rounds=65", null}, exitUsage, "rounds=65 is out of range 1..64"},
		{"param below range", []string{"run", "--backend=none", "--param", "iterations=0", null}, exitUsage, "iterations=0 is out of range 1..100000000"},
		{"runtime param out of range", []string{"run", "--backend=none", "--param", "samples=2", null}, exitUsage, "samples=2 is out of range 0..1"},
		{"param not an integer", []string{"run", "--backend=none", "--param", "rounds=many", null}, exitUsage, "the value must be an integer"},
		{"bundle into a directory", []string{"bundle", "--out", dir, null}, exitUsage, "not a regular file"},
		{"bundle into nowhere", []string{"bundle", "--out", filepath.Join(dir, "no", "such"), null}, exitUsage, "no such file or directory"},
		{"bundle unknown param", []string{"bundle", "--out", filepath.Join(dir, "b"), "--param", "x=1", null}, exitUsage, `no parameter "x"`},
		{"compare into a file", []string{"compare", "--out", file}, exitUsage, "not a directory"},
		{"compare into nowhere", []string{"compare", "--out", "/proc/no/such"}, exitUsage, "cannot create the report directory"},
		{"compare with nothing available", []string{"compare", "--backend=pku", "--out", filepath.Join(dir, "r")}, exitUnavailable, "no requested backend can run here"},
		{"unknown flag", []string{"run", "--frobnicate", null}, exitUsage, "unknown flag --frobnicate"},
		{"params of a missing image", []string{"params", "/nonexistent.elf"}, exitUsage, "no such file"},
		{"help for no such command", []string{"help", "nosuch"}, exitUsage, `no command "nosuch"`},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases = append(cases, struct {
			name string
			args []string
			code int
			says string
		}{"compare into a read-only directory", []string{"compare", "--out", readonly}, exitUsage, "cannot write there"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.code == exitUnavailable && hasPKU(t) {
				t.Skip("this CPU has protection keys")
			}
			code, out, errs := runVMM(t, c.args...)
			if code != c.code || !strings.Contains(errs, c.says) {
				t.Errorf("exit %d (want %d), stderr does not say %q?\nstdout: %s\nstderr: %s", code, c.code, c.says, out, errs)
			}
			if c.code == exitUsage && !strings.Contains(errs, "run 'vmm help") {
				t.Errorf("no pointer to the help:\n%s", errs)
			}
			// Under --json the same error is a JSON object on stdout.
			code, out, _ = runVMM(t, append(c.args, "--json")...)
			var e struct {
				Error    string `json:"error"`
				ExitCode int    `json:"exit_code"`
			}
			if c.args[0] == "bundle" || c.args[0] == "help" { // no --json
				return
			}
			if err := json.Unmarshal([]byte(out), &e); err != nil || e.ExitCode != c.code || !strings.Contains(e.Error, c.says) {
				t.Errorf("--json: exit %d, stdout %q: %v", code, out, err)
			}
		})
	}
}

func hasPKU(t *testing.T) bool {
	_, out, _ := runVMM(t, "caps", "--json")
	var rep capsReport
	json.Unmarshal([]byte(out), &rep)
	return rep.CPU.PKU && rep.CPU.OSPKE
}

// TestVersionAndHelp: vmm --version says the build; vmm help and vmm help
// run print the usage and exit 0.
func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runVMM(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "vmm ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"help"}, {"help", "run"}, {"help", "compare"}} {
		code, out, _ := runVMM(t, args...)
		if code != 0 || !strings.Contains(out, "Usage: vmm") || len(args) == 2 && !strings.Contains(out, "vmm "+args[1]) {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}

// TestRunJSONFormat: the run JSON has a format_version, and exit_code only
// when the workload exited.
func TestRunJSONFormat(t *testing.T) {
	code, out, _ := runVMM(t, "run", "--json", "--backend=none", "--param", "iterations=10", "--param", "rounds=1", testimages.Path(t, "null"))
	var res map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res["format_version"] != float64(resultFormat) || res["exit_code"] != float64(0) {
		t.Errorf("exit %d: %s", code, out)
	}
	code, out, _ = runVMM(t, "run", "--json", "--backend=none", "--timeout=200ms", testimages.Path(t, "attack-loop"))
	res = nil
	if code != exitTimeout || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("exit %d: %s", code, out)
	}
	if _, ok := res["exit_code"]; ok {
		t.Errorf("a workload that did not exit has an exit_code: %s", out)
	}
}

// TestInterrupt: Ctrl-C during a run exits 130.
func TestInterrupt(t *testing.T) {
	cmd := exec.Command(vmmBin, "run", "--backend=none", "--timeout=1m", testimages.Path(t, "attack-loop"))
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("after SIGINT: %v\n%s", err, errb.String())
	}
}

// TestReadmeWorkload builds the two-function workload written from
// docs/writing-a-workload.md alone (testdata/readme-workload: no heap
// declared, the library id from plib_ids.h, plib_printf, a declared
// parameter) and runs it under the none backend.
func TestReadmeWorkload(t *testing.T) {
	img := filepath.Join(t.TempDir(), "readme.elf")
	mk := exec.Command(filepath.Join(testimages.Root(t), "guestlib", "mkimage"), "testdata/readme-workload", img)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkimage: %v\n%s", err, out)
	}
	code, out, errs := runVMM(t, "run", "--backend=none", "--param", "times=10", img)
	if code != 0 || !strings.Contains(out, "counter: total 55") || !strings.Contains(out, "app: 11 calls, total 55 (right), hex 0x37 padded [00042] [ ab] z%") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	code, out, _ = runVMM(t, "params", img)
	if code != 0 || !strings.Contains(out, "times") || !strings.Contains(out, "1..1000") || !strings.Contains(out, "how many times to add") {
		t.Errorf("params: exit %d\n%s", code, out)
	}
	if code, _, errs := runVMM(t, "run", "--backend=none", "--param", "times=0", img); code != exitUsage || !strings.Contains(errs, "out of range 1..1000") {
		t.Errorf("times=0: exit %d\n%s", code, errs)
	}
}

// TestMkimageRefuses: mkimage refuses what image.conf must not say, with
// exit 2, the file and line, and the problem, before compiling anything.
func TestMkimageRefuses(t *testing.T) {
	mk := filepath.Join(testimages.Root(t), "guestlib", "mkimage")
	for _, c := range []struct{ line, says string }{
		{"lib a 0 lib.c", "image.conf:2: library a: id '0': want 1 to 7"},
		{"lib a 9 lib.c", "id '9': want 1 to 7"},
		{"lib a-b 1 lib.c", "library name 'a-b'"},
		{"lib a 1 stack=64k lib.c", "stack=64k: want a size like 4096, 64K or 1M"},
		{"lib a 1 args=1G lib.c", "args=1G: want a size"},
		{"lib a 1 stack=1 lib.c", "stack=1 is 1 bytes: want 4096 to"},
		{"lib a 1 frob=1 lib.c", "unknown option frob=1"},
		{"lib a 1 nosuch.c", "source ./nosuch.c not found"},
		{"lib a 1 lib.c\nlib b 1 lib.c", "image.conf:3: library b: id 1 is already library a's"},
		{"lib a 1 lib.c\nlib a 2 lib.c", "library a declared twice"},
		{"param n 1..2 default 3 \"x\"", "want MIN <= default <= MAX"},
		{"param n 1..2 default 1 x", "want: param NAME MIN..MAX default N"},
		{"param samples 0..1 default 0 \"x\"", "the runtime's own"},
		{"bench-full rounds=3", "image.conf:2: bench-full passes rounds, which no param line declares"},
		{"param rounds 1..64 default 3 \"r\"\nbench x x: y\nbench-full rounds=65\nbench-quick rounds=3", "image.conf:4: bench-full: rounds=65 is out of range 1..64"},
		{"param rounds 1..64 default 3 \"r\"\nbench-full rounds=0", "image.conf:3: bench-full: rounds=0 is out of range 1..64"},
		{"param rounds 1..64 default 3 \"r\"\nbench-quick rounds=3 samples=2", "image.conf:3: bench-quick: samples=2 is out of range 0..1"},
		{"native nosuch.a", "image.conf:2: source ./nosuch.a not found"},
		{"frob", "unknown line 'frob'"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "app.c"), []byte("int main(void) { return 0; }\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "lib.c"), nil, 0o644)
		os.WriteFile(filepath.Join(dir, "image.conf"), []byte("app app.c\n"+c.line+"\n"), 0o644)
		cmd := exec.Command(mk, ".", filepath.Join(dir, "out.elf"))
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), c.says) {
			t.Errorf("%q: %v, want exit 2 saying %q:\n%s", c.line, err, c.says, out)
		}
	}
}
