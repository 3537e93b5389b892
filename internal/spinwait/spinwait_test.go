package spinwait

import (
	"os/exec"
	"runtime"
	"sort"
	"testing"
	"time"
)

// TestBound: the bound is what a wake-up costs here, capped by a budget,
// and says how it was measured.
func TestBound(t *testing.T) {
	b := For(0)
	if b.WakeNS <= 0 || b.WakeNS > 1e9 || b.Cycles == 0 || b.Samples == 0 || b.Method == "" {
		t.Fatalf("bound %+v", b)
	}
	if capped := For(time.Microsecond); capped.Cycles >= b.Cycles && b.Cycles > 100000 || (capped.Cycles < b.Cycles) != capped.Capped {
		t.Errorf("a 1 µs budget: %+v (uncapped %d cycles)", capped, b.Cycles)
	}
	t.Logf("a wake-up across cores: %v (%d TSC cycles; quartiles %v-%v; %d samples, %d skipped)",
		time.Duration(b.WakeNS), b.Cycles, time.Duration(b.WakeP25NS), time.Duration(b.WakeP75NS), b.Samples, b.Skipped)
}

// TestWakeCostHoldsUnderLoad: with every core kept busy by spinning
// threads, as the runs of a comparison keep them, the wake-up cost
// measured stays within 2x of the one measured on the machine as it
// was: a sleeper is only timed when the kernel shows it asleep, so a
// loaded machine cannot make sleeping look free (a ping-pong round trip
// fell to a few hundred nanoseconds there, both sides never sleeping).
func TestWakeCostHoldsUnderLoad(t *testing.T) {
	median := func() time.Duration {
		lat, _, err := wakeLatencies(100, wakeSettle)
		if err != nil {
			t.Fatal(err)
		}
		if len(lat) < 50 {
			t.Fatalf("only %d of 100 wake-ups found the sleeper asleep", len(lat))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return lat[len(lat)/2]
	}
	quiet := median()
	// Spinning processes, as other programs load a machine (a comparison
	// run's own threads are not running while it calibrates).
	var spinners []*exec.Cmd
	for i := 0; i < runtime.NumCPU(); i++ {
		c := exec.Command("/bin/sh", "-c", "while :; do :; done")
		if err := c.Start(); err != nil {
			t.Skipf("no spinning process: %v", err)
		}
		spinners = append(spinners, c)
	}
	time.Sleep(100 * time.Millisecond)
	loaded := median()
	for _, c := range spinners {
		c.Process.Kill()
		c.Wait()
	}
	t.Logf("wake-up cost: %v on the machine as it was, %v with %d spinning processes", quiet, loaded, runtime.NumCPU())
	// 5x, not 2x: the "quiet" reading shares the machine with whatever
	// else runs (go test runs other packages beside this one; a KVM
	// test beside it read 170 µs against 49 µs loaded). The failure this
	// guards against is of another order: a ping-pong that never sleeps
	// under load read 0.6–0.9 µs against 48 µs.
	if loaded < quiet/5 || loaded > 5*quiet {
		t.Errorf("under load the wake-up cost read %v against %v: more than 5x apart", loaded, quiet)
	}
}
