package none

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/backendtest"
	"plib/backend/hostproc"
)

// noTPGate is the none gate assembled with GATE_MEASURE_NO_TP: the same
// source without its thread-pointer switch (as internal/guestbin/build.sh
// assembles the committed one).
func noTPGate(dir string) ([]byte, error) {
	inc, src := "../../guestlib/include", "../../guestlib/trusted/gate_none.S"
	o, elf, bin := filepath.Join(dir, "g.o"), filepath.Join(dir, "g.elf"), filepath.Join(dir, "g.bin")
	for _, c := range [][]string{
		{"gcc", "-ffreestanding", "-nostdlib", "-Wall", "-Werror", "-DGATE_MEASURE_NO_TP", "-I", inc, "-c", src, "-o", o},
		{"ld", "-nostdlib", "-N", "-Ttext=0x40000000", "-e", "0", "--no-warn-rwx-segments", "-o", elf, o},
		{"objcopy", "-O", "binary", "-j", ".text", elf, bin},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return nil, &exec.Error{Name: string(out), Err: err}
		}
	}
	return os.ReadFile(bin)
}

func init() {
	if os.Getenv("PLIB_TP_COST") == "" {
		return
	}
	dir, err := os.MkdirTemp("", "plib-tpcost")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	g, err := noTPGate(dir)
	if err != nil {
		panic(err)
	}
	backend.Register(hostproc.New(hostproc.Spec{Name: "none-no-tp", Gate: g, Isolation: sharedPages{},
		Probe: func() backend.Mechanism {
			return backend.Mechanism{Mode: backend.NoIsolation, Switch: "plain call, no thread pointer"}
		}}),
		backend.Ceiling, backend.StyleNext+11) // a style no backend of the tree takes
}

// TestThreadPointerCost measures what the gate's thread-pointer switch
// (WRFSBASE, RDFSBASE and the check, in and out, and finding the
// caller's domain) adds to a call where a call costs least: null's call
// cycles under the none gate and the same gate assembled without it,
// interleaved in one run (PLIB_TP_COST=1).
func TestThreadPointerCost(t *testing.T) {
	if os.Getenv("PLIB_TP_COST") == "" {
		t.Skip("SKIPPING: a measurement; set PLIB_TP_COST=1")
	}
	got := map[string][]int64{}
	for range 7 {
		for _, b := range []string{"none", "none-no-tp"} {
			res, out := backendtest.RunImage(t, b, "null", backend.Options{Params: map[string]int64{"iterations": 200000, "rounds": 9, "sys": 0}, Timeout: time.Minute})
			c, ok := res.Metric("call_cycles")
			if !ok || !res.Exited || res.ExitCode != 0 {
				t.Fatalf("%s: %+v\n%s", b, res, out)
			}
			got[b] = append(got[b], c)
		}
	}
	med := func(v []int64) int64 { sort.Slice(v, func(i, j int) bool { return v[i] < v[j] }); return v[len(v)/2] }
	with, without := med(got["none"]), med(got["none-no-tp"])
	t.Logf("null call, median of 7 runs (each the median of 9 rounds), TSC cycles: none %d, without the thread-pointer switch %d: "+
		"the switch adds %d; runs with %v, without %v", with, without, with-without, got["none"], got["none-no-tp"])
}
