package spinwait

import (
	"os/exec"
	"runtime"
	"sort"
	"strings"
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

// TestCalibrateSteady: a calibration drops its warm-up wake-ups, takes a
// reading again while its halves disagree or the host was busy, keeps
// the steady one taken on the quietest host, and says all that in its
// method; a reading that never settles is kept, and says that too.
func TestCalibrateSteady(t *testing.T) {
	const us = time.Microsecond
	// reading: wakeWarmup cold wake-ups, then wakeSamples whose first
	// half costs first and second half second.
	reading := func(first, second time.Duration) []time.Duration {
		var l []time.Duration
		for range wakeWarmup {
			l = append(l, 5*time.Millisecond)
		}
		for i := range wakeSamples {
			l = append(l, first+time.Duration(i%7)*us)
			if i >= wakeSamples/2 {
				l[len(l)-1] = second + time.Duration(i%7)*us
			}
		}
		return l
	}
	// fake measures readings in turn, the host busy as busy says
	// before each.
	fake := func(busy []float64, readings ...[]time.Duration) (func(int, time.Duration) ([]time.Duration, int, error), func() float64, *int) {
		calls, looks := new(int), 0
		return func(n int, settle time.Duration) ([]time.Duration, int, error) {
				if n != wakeWarmup+wakeSamples || settle != wakeSettle {
					t.Errorf("measured %d wake-ups after %v, want %d after %v", n, settle, wakeWarmup+wakeSamples, wakeSettle)
				}
				*calls++
				return readings[min(*calls, len(readings))-1], 0, nil
			}, func() float64 {
				looks++
				return busy[min(looks, len(busy))-1]
			}, calls
	}
	quiet := []float64{0.1}
	for _, c := range []struct {
		what     string
		busy     []float64
		readings [][]time.Duration
		calls    int
		lo, hi   time.Duration // the median kept
		says     []string
		never    string
	}{
		{"a drifting reading, then a steady one", quiet, [][]time.Duration{reading(300*us, 50*us), reading(50*us, 52*us)},
			2, 50 * us, 60 * us, []string{"attempt 2 of 2", "warm-up", "10% busy"}, "not"},
		{"a steady reading", quiet, [][]time.Duration{reading(40*us, 41*us)}, 1, 40 * us, 48 * us, nil, "attempt"},
		{"never steady", quiet, [][]time.Duration{reading(300*us, 50*us)}, wakeTries, 50 * us, 310 * us, []string{"not steady"}, "not quiet"},
		{"a busy host, then a quiet one", []float64{0.9, 0.1}, [][]time.Duration{reading(30*us, 31*us), reading(70*us, 71*us)},
			2, 70 * us, 78 * us, []string{"attempt 2 of 2", "10% busy"}, "not"},
		{"never quiet: the quietest kept", []float64{0.9, 0.5, 0.8}, [][]time.Duration{reading(30*us, 31*us), reading(70*us, 71*us), reading(20*us, 21*us)},
			wakeTries, 70 * us, 78 * us, []string{"50% busy", "not quiet in 3 attempts", "attempt 2 of 3"}, "not steady"},
	} {
		m, busy, calls := fake(c.busy, c.readings...)
		b := calibrate(m, busy)
		ok := *calls == c.calls && b.Samples == wakeSamples && b.WakeNS >= float64(c.lo) && b.WakeNS <= float64(c.hi) && !strings.Contains(b.Method, c.never)
		for _, w := range c.says {
			ok = ok && strings.Contains(b.Method, w)
		}
		if !ok {
			t.Errorf("%s: %d attempts, %+v", c.what, *calls, b)
		}
	}
}
