package nic

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"plib/image"
	"plib/internal/abi"
	"plib/internal/testimages"
)

// linkFor opens a Link over a fresh shared-data file of dds-pingpong
// (the net library's image) and returns the library's data range.
func linkFor(t *testing.T) (*Link, image.SharedRange, string) {
	t.Helper()
	img, err := image.Load(testimages.Path(t, "dds-pingpong"))
	if err != nil {
		t.Fatal(err)
	}
	ranges, size := img.SharedData()
	fd, err := unix.MemfdCreate("nic-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "nic-test")
	t.Cleanup(func() { f.Close() })
	if err := f.Truncate(int64(ControlPage(size) + abi.PageSize)); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLink(f, img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	for _, r := range ranges {
		if r.Size >= RingBytes+abi.PageSize {
			return l, r, img.Domains[r.Lib].Name
		}
	}
	t.Fatal("no shared range large enough for a ring")
	return nil, image.SharedRange{}, ""
}

// The NIC's platform calls check who makes them: only a library attaches
// a ring, only inside its own data, once; only the attached library
// kicks and wakes; a wait is bounded whoever asks.
func TestLinkChecksTheCaller(t *testing.T) {
	l, r, lib := linkFor(t)
	const refusedCall = ^uint64(0)
	base := (r.Addr + abi.PageSize - 1) &^ (abi.PageSize - 1)
	for _, c := range []struct {
		what, domain string
		addr         uint64
	}{
		{"from the application", "app", base},
		{"unaligned", lib, base + 8},
		{"below its data", lib, base - abi.PageSize},
		{"running past its data", lib, (r.Addr + r.Size - RingBytes + abi.PageSize) &^ (abi.PageSize - 1)},
		{"wrapping around", lib, ^uint64(0) &^ (abi.PageSize - 1)},
		{"from no domain", "nobody", base},
	} {
		if got := l.Call(c.domain, abi.SysNicAttach, c.addr, 0); got != refusedCall {
			t.Errorf("attach %s: %#x, want refused", c.what, got)
		}
	}
	for _, nr := range []uint64{abi.SysNicKick, abi.SysNicWake, abi.SysNicWait} {
		if got := l.Call(lib, nr, 0, 0); got != refusedCall {
			t.Errorf("call %d before any attach: %#x, want refused", nr, got)
		}
	}
	if got := l.Call(lib, abi.SysNicAttach, base, 0); got != 0 {
		t.Fatalf("attach by the library in its own data: %#x", got)
	}
	if got := l.Call(lib, abi.SysNicAttach, base, 0); got != 0 {
		t.Errorf("the same attach again: %#x, want 0", got)
	}
	if got := l.Call(lib, abi.SysNicAttach, base+abi.PageSize, 0); got != refusedCall {
		t.Errorf("a second ring: %#x, want refused", got)
	}
	for _, nr := range []uint64{abi.SysNicKick, abi.SysNicWake} {
		if got := l.Call("app", nr, 0, 0); got != refusedCall {
			t.Errorf("call %d from the application: %#x, want refused", nr, got)
		}
		if got := l.Call(lib, nr, 0, 0); got != 0 {
			t.Errorf("call %d from the library: %#x, want 0", nr, got)
		}
	}
	off, _ := l.ring()
	gen := uint64(load32(l.mem, off+Gen))
	t0 := time.Now()
	l.Call("app", abi.SysNicWait, gen+1, 1<<40) // a stale token: no sleep
	if d := time.Since(t0); d > 5*time.Millisecond {
		t.Errorf("a wait on a stale token slept %v", d)
	}
	t0 = time.Now()
	l.Call("app", abi.SysNicWait, gen, 1<<40) // an hour asked: 10 ms at most
	if d := time.Since(t0); d > time.Second || d < 5*time.Millisecond {
		t.Errorf("a wait of 2^40 µs took %v, want about %v", d, abi.NicWaitMaxMicro*time.Microsecond)
	}
	if load32(l.mem, off+Waiters) != 0 {
		t.Errorf("waiters left counted after the waits: %d", load32(l.mem, off+Waiters))
	}
}
