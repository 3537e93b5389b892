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
	return withoutCalls(func(g []byte, to int) bool { return !isXStateClear(g, to) })
}

// withoutXStateClear is the mprotect gate with its calls into xstate_clear
// (the vector, mask and x87 clears on the way in and out) made NOPs; only
// TestExtendedStateClearCost runs it.
func withoutXStateClear() []byte { return withoutCalls(isXStateClear) }

// isXStateClear reports whether the routine at offset to of gate g is
// xstate_clear, which starts with its test of the header page's feature
// word (TESTB imm8 at an absolute address: F6 04 25).
func isXStateClear(g []byte, to int) bool {
	return to+3 <= len(g) && g[to] == 0xf6 && g[to+1] == 0x04 && g[to+2] == 0x25
}

// withoutCalls is the mprotect gate with every call from the call routine
// into a routine after the platform routine's start (the thread-pointer
// and xstate_clear routines) for which drop holds made a 5-byte NOP.
func withoutCalls(drop func(g []byte, to int) bool) []byte {
	g := append([]byte(nil), guestbin.GateMprotect...)
	for i := 0; i+5 <= abi.GateSysOff; i++ {
		if g[i] != 0xe8 {
			continue
		}
		to := i + 5 + int(int32(binary.LittleEndian.Uint32(g[i+1:])))
		if to > abi.GateSysOff && to < len(g) && drop(g, to) {
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
	backend.Register(hostproc.New(hostproc.Spec{Name: "mprotect-no-xclear", Gate: withoutXStateClear(), Isolation: closedPages{},
		Probe: func() backend.Mechanism {
			return backend.Mechanism{Mode: backend.Hardware, Switch: "mprotect, no vector, mask or x87 clears"}
		}}),
		backend.Isolates, backend.StyleNext+12)
}

// TestThreadPointerCost measures what the gate's thread-pointer switch
// adds to a call: null's call cycles under the mprotect gate and under
// the same gate without it, interleaved in one run (PLIB_TP_COST=1).
func TestThreadPointerCost(t *testing.T) {
	measureWithout(t, "mprotect-no-tp", "the thread-pointer switch")
}

// TestExtendedStateClearCost measures the same way what clearing every
// vector, mask and x87 register on the way into a library and out of it
// adds to a call (PLIB_TP_COST=1).
func TestExtendedStateClearCost(t *testing.T) {
	measureWithout(t, "mprotect-no-xclear", "the vector, mask and x87 clears (in and out)")
}

func measureWithout(t *testing.T, without, what string) {
	if os.Getenv("PLIB_TP_COST") == "" {
		t.Skip("SKIPPING: a measurement; set PLIB_TP_COST=1")
	}
	got := map[string][]int64{}
	for range 7 {
		for _, b := range []string{"mprotect", without} {
			res, out := backendtest.RunImage(t, b, "null", backend.Options{Params: map[string]int64{"iterations": 20000, "rounds": 9, "sys": 0}, Timeout: time.Minute})
			c, ok := res.Metric("call_cycles")
			if !ok || !res.Exited || res.ExitCode != 0 {
				t.Fatalf("%s: %+v\n%s", b, res, out)
			}
			got[b] = append(got[b], c)
		}
	}
	med := func(v []int64) int64 { sort.Slice(v, func(i, j int) bool { return v[i] < v[j] }); return v[len(v)/2] }
	with, less := med(got["mprotect"]), med(got[without])
	t.Logf("null call, median of 7 runs (each the median of 9 rounds), TSC cycles: mprotect %d, without %s %d: "+
		"they add %d (%.1f%%); runs with %v, without %v", with, what, less, with-less,
		100*float64(with-less)/float64(less), got["mprotect"], got[without])
}
