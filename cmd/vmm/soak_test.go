package main

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/image"
	"plib/internal/testimages"
)

// TestSoak makes PLIB_SOAK_CALLS library calls (scripts/test: 10^6), in
// two runs, under each backend available here, in this process, and
// checks that nothing grows between them: open descriptors and resident
// memory of the VMM; and the kv library's heap under a set/delete churn.
func TestSoak(t *testing.T) {
	calls, _ := strconv.ParseInt(os.Getenv("PLIB_SOAK_CALLS"), 10, 64)
	if calls <= 0 {
		t.Skip("SKIPPING the soak: set PLIB_SOAK_CALLS=1000000 (scripts/test does)")
	}
	null := testimages.Path(t, "null")
	kv := testimages.Path(t, "kv")
	for _, name := range []string{"none", "mprotect", "process", "vmfunc", "handoff"} {
		b, _ := backend.Lookup(name)
		if !b.Probe().Available() {
			t.Logf("SKIPPING %s: %s", name, b.Probe().Unavailable)
			continue
		}
		t.Run(name, func(t *testing.T) {
			run := func(path string, params map[string]int64) *backend.Result {
				img, err := image.Load(path)
				if err != nil {
					t.Fatal(err)
				}
				res, err := backend.Run(context.Background(), b, img, path, backend.Options{Params: params, Timeout: 10 * time.Minute, Output: io.Discard})
				if err != nil || !res.Exited || res.ExitCode != 0 {
					t.Fatalf("run %s: %v %+v", path, err, res)
				}
				return res
			}
			soak := map[string]int64{"iterations": calls / 20, "rounds": 10, "sys": 0} // half the calls per run
			run(null, map[string]int64{"iterations": 1000, "rounds": 1, "sys": 0})     // warm up
			fds0, rss0 := openFDs(t), residentKiB(t)
			start := time.Now()
			res := run(null, soak)
			n, _ := res.Metric("calls")
			res = run(null, soak) // twice: a leak per run shows as growth between runs
			n2, _ := res.Metric("calls")
			took := time.Since(start)
			fds1, rss1 := openFDs(t), residentKiB(t)
			t.Logf("%d library calls in %v (%.0f calls/s); fds %d -> %d; RSS %d -> %d KiB", n+n2, took.Round(time.Millisecond), float64(n+n2)/took.Seconds(), fds0, fds1, rss0, rss1)
			if n+n2 < calls {
				t.Errorf("only %d calls", n+n2)
			}
			if fds1 != fds0 {
				t.Errorf("open descriptors grew from %d to %d", fds0, fds1)
			}
			if rss1 > rss0+64*1024 {
				t.Errorf("resident memory grew from %d to %d KiB", rss0, rss1)
			}
			kvRes := run(kv, map[string]int64{"churn": 10})
			first, _ := kvRes.Metric("heap_after_first_pass")
			last, _ := kvRes.Metric("heap_after_last_pass")
			if ok, _ := kvRes.Metric("consistent"); first == 0 || last != first || ok != 1 {
				t.Errorf("kv heap %d after the first churn pass, %d after the 10th (consistent %d)", first, last, ok)
			}
		})
	}
}

func openFDs(t *testing.T) int {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func residentKiB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
