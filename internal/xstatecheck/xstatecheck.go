// Package xstatecheck judges the xstate workload (workloads/xstate) the
// same way for every backend's tests: which register classes must have
// been tested on this CPU, and what the application may see of a
// library's extended register state and the library of the
// application's control state.
package xstatecheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"plib/backend"
	"plib/caps"
	"plib/internal/abi"
)

// Part is the workload's "part" parameter.
type Part int

// The workload's parts.
const (
	Registers Part = 0 // a library leaves a secret in each register class
	Control   Part = 1 // the application sets MXCSR and the x87 control word
	AppTile   Part = 2 // TILERELEASE in the application
	LibTile   Part = 3 // TILERELEASE in the library
	// AppRegisters: the application leaves a secret in each register
	// class, and the library reports what it finds on entry.
	AppRegisters Part = 5
)

// Parts lists every part, in order.
var Parts = []Part{Registers, Control, AppTile, LibTile, AppRegisters}

// Params is the workload parameter that selects p.
func (p Part) Params() map[string]int64 { return map[string]int64{"part": int64(p)} }

// Classes is the register classes the registers part tests, as its
// metric suffixes, with whether this CPU (CPUID and XCR0 of the process
// calling it) has them.
func Classes() map[string]bool {
	f := caps.XFeatures(caps.HostXCR0())
	avx, avx512 := f&abi.XFAVX != 0, f&abi.XFAVX512 != 0
	return map[string]bool{"xmm": true, "ymm": avx, "zmm": avx512, "k": avx512, "x87": true}
}

// leaks is each tested class's leak metric and how many registers it has.
var leaks = map[string][]struct {
	metric string
	regs   int64
}{
	"xmm": {{"leaked_xmm", 16}},
	"ymm": {{"leaked_ymm", 16}},
	"zmm": {{"leaked_zmm_upper", 16}, {"leaked_zmm16_31", 16}},
	"k":   {{"leaked_k", 8}},
	"x87": {{"leaked_x87", 8}},
}

// Check judges res, the result of part p under a backend that isolates
// (isolated: every gate's promise holds) or under none (no gate: the
// library's registers must be seen, which shows the test can see them).
func Check(res *backend.Result, p Part, isolated bool) error {
	v := res.Violation
	switch p {
	case Registers:
		if v != nil || !res.Exited {
			return fmt.Errorf("registers: want an exit, got %+v violation %v", res, v)
		}
		var errs []error
		for class, has := range Classes() {
			tested, _ := res.Metric("tested_" + class)
			if tested != b2i(has) {
				errs = append(errs, fmt.Errorf("tested_%s = %d: this CPU has the class: %v", class, tested, has))
				continue
			}
			if !has {
				continue
			}
			for _, l := range leaks[class] {
				n, ok := res.Metric(l.metric)
				switch {
				case !ok:
					errs = append(errs, fmt.Errorf("%s missing", l.metric))
				case isolated && n != 0:
					errs = append(errs, fmt.Errorf("%s = %d: the library's registers reached the application", l.metric, n))
				case !isolated && n != l.regs:
					errs = append(errs, fmt.Errorf("%s = %d under no isolation, want %d: the test cannot see the class", l.metric, n, l.regs))
				}
			}
		}
		if want := int64(b2i(!isolated)); res.ExitCode != want {
			errs = append(errs, fmt.Errorf("exit %d, want %d", res.ExitCode, want))
		}
		return errors.Join(errs...)
	case AppRegisters:
		if v != nil || !res.Exited {
			return fmt.Errorf("application registers: want an exit, got %+v violation %v", res, v)
		}
		var errs []error
		for class, has := range Classes() {
			if !has {
				continue
			}
			for _, l := range leaks[class] {
				m := "seen_" + strings.TrimPrefix(l.metric, "leaked_")
				n, ok := res.Metric(m)
				switch {
				case !ok:
					errs = append(errs, fmt.Errorf("%s missing", m))
				case isolated && n != 0:
					errs = append(errs, fmt.Errorf("%s = %d: the application's registers reached the library", m, n))
				case !isolated && n != l.regs:
					errs = append(errs, fmt.Errorf("%s = %d under no isolation, want %d: the test cannot see the class", m, n, l.regs))
				}
			}
		}
		if want := int64(b2i(!isolated)); res.ExitCode != want {
			errs = append(errs, fmt.Errorf("exit %d, want %d", res.ExitCode, want))
		}
		return errors.Join(errs...)
	case Control:
		if !isolated { // the application's unmasked divide-by-zero reaches the library
			if v == nil || v.Kind != backend.ViolationException || v.Domain != "xstate" {
				return fmt.Errorf("control under no isolation: want the library to fault, got %+v violation %v", res, v)
			}
			return nil
		}
		f, _ := res.Metric("failures")
		if v != nil || !res.Exited || res.ExitCode != 0 || f != 0 {
			return fmt.Errorf("control: want exit 0, got %+v violation %v, failures %d", res, v, f)
		}
		return nil
	case AppTile, LibTile:
		dom := "app"
		if p == LibTile {
			dom = "xstate"
		}
		if v != nil && v.Kind == backend.ViolationException && v.Domain == dom {
			return nil
		}
		// Where the library has a process of its own, its death may be
		// the caller's answer (PLIB_ERR_LIB_DEAD).
		if p == LibTile && v == nil && res.Exited && res.ExitCode == abi.AttackRefused {
			return nil
		}
		return fmt.Errorf("TILERELEASE in %s: want it to fault, got %+v violation %v", dom, res, v)
	}
	return fmt.Errorf("no part %d", p)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Run runs every part as a subtest of t ("part0" and on): run runs the
// xstate workload with the parameters given and returns its result and
// output, and Check judges the result (isolated as for Check); a failed
// check shows the output.
func Run(t *testing.T, isolated bool, run func(t *testing.T, params map[string]int64) (*backend.Result, string)) {
	for _, p := range Parts {
		t.Run(fmt.Sprintf("part%d", p), func(t *testing.T) {
			res, out := run(t, p.Params())
			if err := Check(res, p, isolated); err != nil {
				t.Errorf("%v\n%s", err, out)
			}
		})
	}
}
