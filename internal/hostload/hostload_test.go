package hostload

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestBusyFraction: the busy share excludes idle and iowait, and counts
// guest time once.
func TestBusyFraction(t *testing.T) {
	a := []uint64{100, 0, 100, 1000, 0, 0, 0, 0, 50, 0}
	b := []uint64{200, 0, 200, 1100, 100, 0, 0, 0, 150, 0}
	if got := busyFraction(a, b); got != 0.5 {
		t.Errorf("busy %v, want 0.5 (200 busy of 400 jiffies)", got)
	}
}

// TestReadSeesALoadedCPU: a core spinning for the whole window shows as
// busy; the load averages parse.
func TestReadSeesALoadedCPU(t *testing.T) {
	stop := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		for spin := 0; ; spin++ { // busy on purpose: the window must see a core at work
			if spin%1024 == 0 {
				select {
				case <-stop:
					return
				case <-time.After(0):
				}
			}
		}
	}()
	s := Read(300 * time.Millisecond)
	close(stop)
	if s.Error != "" {
		t.Fatal(s.Error)
	}
	if s.CPUs < 1 || s.Tasks < 1 || s.Busy <= 0 || s.Busy > 1 {
		t.Fatalf("%+v", s)
	}
	if min := 0.9 / float64(s.CPUs); s.Busy < min {
		t.Errorf("one spinning core of %d shows %.0f%% busy, want at least %.0f%%", s.CPUs, 100*s.Busy, 100*min)
	}
	t.Log(s)
	if (Sample{}).String() != "not measured" {
		t.Errorf("a sample never taken reads %q", Sample{}.String())
	}
}

// TestReadLoadavgRefusesGarbage: a malformed loadavg is an error, not a
// zero load.
func TestReadLoadavgRefusesGarbage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "loadavg")
	for _, bad := range []string{"", "1 2", "x 1 2 1/2 3", "1 2 3 12 3"} {
		os.WriteFile(p, []byte(bad), 0o644)
		var s Sample
		if err := s.readLoadavg(p); err == nil {
			t.Errorf("%q read as %+v", bad, s)
		}
	}
	os.WriteFile(p, []byte("0.52 0.40 0.31 1/180 12345\n"), 0o644)
	var s Sample
	if err := s.readLoadavg(p); err != nil || s.Load1 != 0.52 || s.Tasks != 180 || s.Runnable != 1 {
		t.Errorf("%+v, %v", s, err)
	}
}
