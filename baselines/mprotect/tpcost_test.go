package mprotect

import (
	"encoding/binary"
	"os"
	"sort"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/backendtest"
	"plib/backend/hostproc"
	"plib/internal/abi"
	"plib/internal/guestbin"
)

// withoutTP is the mprotect gate with its thread-pointer switch taken out
// (each call into set_tp_rbp, set_tp_r9 and tp_caller_r9 from the call
// routine made a 5-byte NOP): the same gate, byte for byte, less what
// the switch costs. Only TestThreadPointerCost runs it.
func withoutTP() []byte {
	g := append([]byte(nil), guestbin.GateMprotect...)
	for i := 0; i+5 <= abi.GateSysOff; i++ {
		if g[i] != 0xe8 {
			continue
		}
		to := i + 5 + int(int32(binary.LittleEndian.Uint32(g[i+1:])))
		if to > abi.GateSysOff && to < len(g) { // a routine after the platform routine's start: the TP ones
			copy(g[i:], []byte{0x0f, 0x1f, 0x44, 0x00, 0x00})
		}
	}
	return g
}

func init() {
	if os.Getenv("PLIB_TP_COST") == "" {
		return
	}
	backend.Register(hostproc.New(hostproc.Spec{Name: "mprotect-no-tp", Gate: withoutTP(), Isolation: closedPages{},
		Probe: func() backend.Mechanism {
			return backend.Mechanism{Mode: backend.Hardware, Switch: "mprotect, no thread pointer"}
		}}),
		backend.Isolates, backend.StyleNext+10) // a style no backend of the tree takes
}

// TestThreadPointerCost measures what the gate's thread-pointer switch
// adds to a call: null's call cycles under the mprotect gate and under
// the same gate without it, interleaved in one run (PLIB_TP_COST=1).
func TestThreadPointerCost(t *testing.T) {
	if os.Getenv("PLIB_TP_COST") == "" {
		t.Skip("SKIPPING: a measurement; set PLIB_TP_COST=1")
	}
	got := map[string][]int64{}
	for range 7 {
		for _, b := range []string{"mprotect", "mprotect-no-tp"} {
			res, out := backendtest.RunImage(t, b, "null", backend.Options{Params: map[string]int64{"iterations": 20000, "rounds": 9, "sys": 0}, Timeout: time.Minute})
			c, ok := res.Metric("call_cycles")
			if !ok || !res.Exited || res.ExitCode != 0 {
				t.Fatalf("%s: %+v\n%s", b, res, out)
			}
			got[b] = append(got[b], c)
		}
	}
	med := func(v []int64) int64 { sort.Slice(v, func(i, j int) bool { return v[i] < v[j] }); return v[len(v)/2] }
	with, without := med(got["mprotect"]), med(got["mprotect-no-tp"])
	t.Logf("null call, median of 7 runs (each the median of 9 rounds), TSC cycles: mprotect %d, without the thread-pointer switch %d: "+
		"the switch adds %d (%.1f%%); runs with %v, without %v", with, without, with-without,
		100*float64(with-without)/float64(without), got["mprotect"], got["mprotect-no-tp"])
}
