package vmm

import (
	"fmt"
	"time"

	"testing"
)

// BenchmarkEmulatedSwitch runs the null workload, which times library
// calls (two view switches each) and empty platform calls (one port-I/O
// exit round trip each) interleaved round by round in one run, and
// reports the cost of one emulated switch, of one empty exit, and their
// ratio. The target is a ratio of at most 1.25.
func BenchmarkEmulatedSwitch(b *testing.B) {
	var switchNs, exitNs, ratio float64
	for i := 0; i < b.N; i++ {
		res, m := run(b, "null", map[string]int64{"iterations": 2000, "rounds": 9}, 5*time.Minute)
		call, ok1 := res.Metric("call_cycles")
		nop, ok2 := res.Metric("sys_nop_cycles")
		res.TSCHz = m.TSCHz()
		if !ok1 || !ok2 || nop <= 0 || res.TSCHz <= 0 {
			b.Fatalf("null reported no timings: %+v", res.Metrics)
		}
		calls, _ := res.Metric("calls")
		if res.ViewSwitches != uint64(2*calls) {
			b.Fatalf("%d switches for %d calls", res.ViewSwitches, calls)
		}
		perSwitch := float64(call) / 2
		switchNs = perSwitch / res.TSCHz * 1e9
		exitNs = float64(nop) / res.TSCHz * 1e9
		ratio = perSwitch / float64(nop)
	}
	b.ReportMetric(switchNs, "switch-ns")
	b.ReportMetric(exitNs, "exit-ns")
	b.ReportMetric(ratio, "switch/exit")
	verdict := "met"
	if ratio > 1.25 {
		verdict = "NOT met"
	}
	fmt.Printf("emulated VMFUNC switch %.1f us, empty port-I/O exit round trip %.1f us: ratio %.2f (target <= 1.25: %s)\n",
		switchNs/1000, exitNs/1000, ratio, verdict)
}
