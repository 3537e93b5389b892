package hostproc_test

import (
	"testing"
	"time"
)

// TestDDSThroughputHandshakeBacklog: pings the receiver answers late, as
// a loaded machine leaves them (ping_burst sends them 16 at a time), must
// leave nothing in either instance's queue when the stream starts: a
// ping still queued took the receiver's room from the first window and
// a message was dropped ("out of order or lost"), and the stream stalled
// with vmm compare's exit 1. Three runs under each host backend, since
// the backlog reached the queue only on some.
func TestDDSThroughputHandshakeBacklog(t *testing.T) {
	for _, name := range []string{"none", "mprotect"} {
		for run := 0; run < 3; run++ {
			res, out := runBackendTimeout(t, hostBackendsHere[name], "dds-throughput",
				map[string]int64{"iterations": 64, "rounds": 3, "nic_wire": 0, "ping_burst": 16}, time.Minute)
			if !res.Exited || res.ExitCode != 0 || res.Violation != nil {
				t.Fatalf("%s, run %d: exit %v %d, violation %+v\n%s", name, run, res.Exited, res.ExitCode, res.Violation, out)
			}
		}
	}
}
