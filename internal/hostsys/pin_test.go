package hostsys

import (
	"os/exec"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPinThread: a pinned thread's affinity, as sched_getaffinity reads
// it, is the one core; restore gives it back every core it had.
func TestPinThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := UsableCores()
	if err != nil || len(before) == 0 {
		t.Fatalf("usable cores: %v %v", before, err)
	}
	last := before[len(before)-1]
	restore, err := PinThread(last)
	if err != nil {
		t.Fatal(err)
	}
	if now, err := UsableCores(); err != nil || !slices.Equal(now, []int{last}) {
		t.Errorf("pinned to core %d, the thread may use %v (%v)", last, now, err)
	}
	restore()
	if now, err := UsableCores(); err != nil || !slices.Equal(now, before) {
		t.Errorf("restored, the thread may use %v (%v), before %v", now, err, before)
	}
}

// TestPinProcess: Pin on another process's id holds that process, as
// its own affinity mask shows.
func TestPinProcess(t *testing.T) {
	cores, err := UsableCores()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep to start: %v", err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	core := cores[len(cores)-1]
	if err := Pin(cmd.Process.Pid, core); err != nil {
		t.Fatal(err)
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(cmd.Process.Pid, &set); err != nil {
		t.Fatal(err)
	}
	if set.Count() != 1 || !set.IsSet(core) {
		t.Errorf("pinned to core %d, the process may use %d cores (core %d: %v)", core, set.Count(), core, set.IsSet(core))
	}
	if err := Pin(cmd.Process.Pid, 1<<20); err == nil {
		t.Error("a core past the mask was accepted")
	}
}

// TestApart: two threads each held apart run on different single cores
// where there are two.
func TestApart(t *testing.T) {
	cores, err := UsableCores()
	if err != nil {
		t.Fatal(err)
	}
	if len(cores) < 2 {
		t.Skipf("one usable core (%v): Apart leaves threads as they are", cores)
	}
	got := make(chan []int, 2)
	for k := 0; k < 2; k++ {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			defer Apart(k)()
			c, _ := UsableCores()
			got <- c
		}()
	}
	a, b := <-got, <-got
	if len(a) != 1 || len(b) != 1 || a[0] == b[0] {
		t.Errorf("threads held apart may use %v and %v", a, b)
	}
}
