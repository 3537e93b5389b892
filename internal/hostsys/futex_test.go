package hostsys

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waiter sleeps on word (which holds 0) in scope s from a thread of its
// own and sends Wait's error and how long it slept.
func waiter(s Scope, word *uint32, limit time.Duration) chan error {
	out := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		out <- s.Wait(word, 0, limit)
	}()
	return out
}

// wakeOne wakes word's waiter as soon as it sleeps: Wake counts the
// waiters it woke, so a 1 says one was asleep on the word and woke.
func wakeOne(t *testing.T, s Scope, word *uint32) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); s.Wake(word, All) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no waiter to wake after 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// sharedWord is a word in a MAP_SHARED page, as the process backend's
// request pages are.
func sharedWord(t *testing.T) *uint32 {
	mem, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return Word(mem, 64)
}

// TestWakeWakesWaiter: a thread sleeping on a word with no time limit
// returns when another wakes the word, in either scope.
func TestWakeWakesWaiter(t *testing.T) {
	for name, s := range map[string]Scope{"private": Private, "shared": Shared} {
		t.Run(name, func(t *testing.T) {
			word := new(uint32)
			if s == Shared {
				word = sharedWord(t)
			}
			done := waiter(s, word, Forever)
			wakeOne(t, s, word)
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("the woken wait returned %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the waiter was counted woken but did not return")
			}
		})
	}
}

// TestScopeIsTheOperation: a private wake does not reach a shared
// waiter on the same word (the kernel keys the two differently), which
// shows that Shared really waits without FUTEX_PRIVATE_FLAG and Private
// really wakes with it.
func TestScopeIsTheOperation(t *testing.T) {
	word := sharedWord(t)
	done := waiter(Shared, word, 10*time.Second)
	time.Sleep(50 * time.Millisecond) // it is asleep by now, or the shared wake below waits for it
	if n := Private.Wake(word, All); n != 0 {
		t.Errorf("a private wake woke %d shared waiters", n)
	}
	wakeOne(t, Shared, word)
	if err := <-done; err != nil {
		t.Fatalf("the woken wait returned %v", err)
	}
}

// TestWaitTimesOut: a wait nobody wakes returns ETIMEDOUT after its
// limit, not before, and at once for a limit of 0 or less (a limit
// computed from an application's number never becomes no limit); a
// wait on a word that no longer holds the value
// returns EAGAIN at once.
func TestWaitTimesOut(t *testing.T) {
	var word uint32
	start := time.Now()
	if err := Private.Wait(&word, 0, 30*time.Millisecond); !errors.Is(err, unix.ETIMEDOUT) {
		t.Errorf("an unwoken wait returned %v, want ETIMEDOUT", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("an unwoken 30 ms wait returned after %v", d)
	}
	for _, d := range []time.Duration{0, -time.Second} {
		start := time.Now()
		if err := Private.Wait(&word, 0, d); !errors.Is(err, unix.ETIMEDOUT) || time.Since(start) > time.Second {
			t.Errorf("a wait of %v returned %v after %v, want ETIMEDOUT at once", d, err, time.Since(start))
		}
	}
	if err := Shared.Wait(&word, 1, Forever); !errors.Is(err, unix.EAGAIN) {
		t.Errorf("a wait for a value the word does not hold returned %v, want EAGAIN", err)
	}
}

// TestWordBounds: a word that runs past the slice is refused.
func TestWordBounds(t *testing.T) {
	b := make([]byte, 8)
	if p := Word(b, 4); p == nil {
		t.Fatal("Word(b, 4) on 8 bytes is nil")
	}
	defer func() {
		if recover() == nil {
			t.Error("Word(b, 5) on 8 bytes did not panic")
		}
	}()
	Word(b, 5)
}

// TestSharedCrossesProcesses: a Shared wake in this process wakes a
// Shared wait in another process that maps the same page (as a
// supervisor wakes the image's process), which a private futex cannot.
func TestSharedCrossesProcesses(t *testing.T) {
	if os.Getenv("HOSTSYS_SHARED_WAITER") == "1" {
		mem, err := unix.Mmap(3, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			os.Exit(2)
		}
		if Shared.Wait(Word(mem, 0), 1, 10*time.Second) != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	fd, err := unix.MemfdCreate("hostsys-futex", 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "memfd")
	defer f.Close()
	if err := f.Truncate(4096); err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(fd, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	*Word(mem, 0) = 1
	cmd := exec.Command(os.Args[0], "-test.run=^TestSharedCrossesProcesses$")
	cmd.Env = append(os.Environ(), "HOSTSYS_SHARED_WAITER=1")
	cmd.ExtraFiles = []*os.File{f}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	woke := 0
	for deadline := time.Now().Add(5 * time.Second); woke == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		woke = Shared.Wake(Word(mem, 0), All)
	}
	err = cmd.Wait()
	if woke != 1 || err != nil {
		t.Fatalf("the other process's waiter: woken %d, exit %v", woke, err)
	}
}
