package xstatecheck

import (
	"testing"

	"plib/backend"
	"plib/internal/abi"
)

func result(exit int64, metrics map[string]int64) *backend.Result {
	r := &backend.Result{Exited: true, ExitCode: exit}
	for n, v := range metrics {
		r.Metrics = append(r.Metrics, backend.Metric{Name: n, Value: v, Domain: "app"})
	}
	return r
}

// registers is what the registers part reports on this CPU with leaks
// registers leaked in each class it has.
func registers(leaks int64) map[string]int64 {
	m := map[string]int64{}
	for class, has := range Classes() {
		m["tested_"+class] = b2i(has)
		if has {
			for _, l := range leaks1(class) {
				m[l] = leaks
			}
		}
	}
	return m
}

func leaks1(class string) (names []string) {
	for _, l := range leaks[class] {
		names = append(names, l.metric)
	}
	return names
}

// TestCheckJudgesLeaks: the checker passes a clean isolated run and a
// leaking run under none, and fails a leak under isolation, a run that
// saw no leak under none, a class not tested on a CPU that has it, and a
// library that did not fault under none's hostile control.
func TestCheckJudgesLeaks(t *testing.T) {
	if err := Check(result(0, registers(0)), Registers, true); err != nil {
		t.Errorf("clean isolated run refused: %v", err)
	}
	m := registers(16)
	m["leaked_k"], m["leaked_x87"] = 8, 8
	if err := Check(result(1, m), Registers, false); err != nil {
		t.Errorf("leaking run under none refused: %v", err)
	}
	leak := registers(0)
	leak["leaked_x87"] = 1
	if Check(result(0, leak), Registers, true) == nil {
		t.Error("an x87 leak under isolation passed")
	}
	if Check(result(1, registers(0)), Registers, false) == nil {
		t.Error("no leak seen under none passed: the test could not fail")
	}
	untested := registers(0)
	untested["tested_xmm"] = 0
	if Check(result(0, untested), Registers, true) == nil {
		t.Error("xmm untested passed")
	}
	if Check(result(0, map[string]int64{"failures": 0}), Control, false) == nil {
		t.Error("no fault under none's hostile control passed")
	}
	if Check(result(0, map[string]int64{"failures": 1}), Control, true) == nil {
		t.Error("a control failure passed")
	}
	if Check(result(abi.AttackWon, nil), LibTile, true) == nil {
		t.Error("a tile instruction that ran passed")
	}
	fault := &backend.Result{Violation: &backend.Violation{Kind: backend.ViolationException, Domain: "app"}}
	if err := Check(fault, AppTile, true); err != nil {
		t.Errorf("a tile fault in the app refused: %v", err)
	}
}
