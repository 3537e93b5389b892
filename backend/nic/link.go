package nic

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"plib/image"
	"plib/internal/abi"
	"plib/internal/hostsys"
)

// Link is one platform's side of the NIC: it maps the shared-data file
// and serves the NIC's platform calls for the instance it belongs to.
// Every instance of a run has its own Link over the same file.
type Link struct {
	mem    []byte
	img    *image.Image
	ranges []image.SharedRange
	ctl    int
	// AnyCaller is for a backend that cannot tell who makes a platform
	// call (none: no isolation, every call looks like the application's):
	// the ring's library is then the one whose data holds it, and any
	// caller may kick and wake. It gives nothing away there: under none
	// the application can write the library's memory anyway.
	AnyCaller bool
}

// OpenLink maps f, the shared-data file of img (backend.SharedDataFile),
// control page included.
func OpenLink(f *os.File, img *image.Image) (*Link, error) {
	ranges, size := img.SharedData()
	mem, err := unix.Mmap(int(f.Fd()), 0, int(size+abi.PageSize), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map the shared data for the NIC: %w", err)
	}
	return &Link{mem: mem, img: img, ranges: ranges, ctl: int(ControlPage(size))}, nil
}

// Close unmaps the file.
func (l *Link) Close() { unix.Munmap(l.mem) }

// refused is the -1 a platform call returns when it is refused.
const refused = ^uint64(0)

// ringAt returns where a ring at addr, attached by library lib, lives in
// the file, if it lies whole and page-aligned in that library's own
// shared data.
func ringAt(ranges []image.SharedRange, lib int, addr uint64) (int, bool) {
	if addr%abi.PageSize != 0 {
		return 0, false
	}
	for _, r := range ranges {
		if r.Lib == lib && addr >= r.Addr && addr+RingBytes >= addr && addr+RingBytes <= r.Addr+r.Size {
			return int(r.Off + addr - r.Addr), true
		}
	}
	return 0, false
}

// ring returns the attached ring's offset in the file, if there is one.
func (l *Link) ring() (int, bool) {
	if load32(l.mem, l.ctl+ctlSeq) != 1 {
		return 0, false
	}
	off := get64(l.mem, l.ctl+ctlOff)
	if off > uint64(l.ctl) || off+RingBytes > uint64(l.ctl) {
		return 0, false
	}
	return int(off), true
}

// attached says whether domain is the library whose ring is attached.
func (l *Link) attached(domain string) (int, bool) {
	off, ok := l.ring()
	if !ok {
		return 0, false
	}
	d := l.domain(domain)
	return off, l.AnyCaller || d > 0 && uint32(d) == load32(l.mem, l.ctl+ctlLib)
}

func (l *Link) domain(name string) int {
	for _, d := range l.img.Domains {
		if d != nil && d.Name == name {
			return d.ID
		}
	}
	return -1
}

// Call serves NIC platform call nr made by domain (its name); a refused
// call returns -1, never stops the run: an application may try them all.
func (l *Link) Call(domain string, nr, a0, a1 uint64) uint64 {
	switch nr {
	case abi.SysNicAttach:
		return l.attach(domain, a0)
	case abi.SysNicKick:
		off, ok := l.attached(domain)
		if !ok {
			return refused
		}
		store32(l.mem, off+DevSleep, 0)
		hostsys.Shared.Wake(word(l.mem, off+DevSleep), hostsys.All)
		return 0
	case abi.SysNicWake:
		off, ok := l.attached(domain)
		if !ok {
			return refused
		}
		hostsys.Shared.Wake(word(l.mem, off+Gen), hostsys.All)
		return 0
	case abi.SysNicWait:
		off, ok := l.ring()
		if !ok {
			return refused
		}
		us := min(a1, abi.NicWaitMaxMicro)
		if spinFor(l.mem, off+Gen, uint32(a0), min(WaitSpin, time.Duration(us)*time.Microsecond)) {
			return 0
		}
		add32(l.mem, off+Waiters, 1)
		if load32(l.mem, off+Gen) == uint32(a0) {
			hostsys.Shared.Wait(word(l.mem, off+Gen), uint32(a0), time.Duration(us)*time.Microsecond)
		}
		add32(l.mem, off+Waiters, ^uint32(0))
		return 0
	}
	return refused
}

// WaitSpin is how long a NIC wait watches the wait word before it counts
// itself a waiter and sleeps, as long as the device polls before it
// sleeps (Spin). A datagram that arrives meanwhile costs its sender no
// wake-up call (the library wakes only counted waiters) and the receiver
// no futex round trip: a dds round trip here fell by about 40% under
// mprotect and 20% under emulated vmfunc, and stayed within the noise
// under process.
const WaitSpin = Spin

// spinFor watches the word at b[off] for up to d and says whether it
// moved off token.
func spinFor(b []byte, off int, token uint32, d time.Duration) bool {
	if d <= 0 {
		return false
	}
	t := time.Now()
	for n := 0; ; n++ {
		if load32(b, off) != token {
			return true
		}
		if n%32 == 31 && time.Since(t) >= d {
			return false
		}
	}
}

// attach records library domain's ring at addr, once per run.
func (l *Link) attach(domain string, addr uint64) uint64 {
	lib := l.domain(domain)
	for _, r := range l.ranges {
		if l.AnyCaller && addr >= r.Addr && addr < r.Addr+r.Size {
			lib = r.Lib
		}
	}
	if lib <= 0 {
		return refused // an application has no ring to attach
	}
	off, ok := ringAt(l.ranges, lib, addr)
	if !ok {
		return refused
	}
	if !casSeq(l.mem, l.ctl, 0, 2) {
		if cur, ok := l.attached(domain); ok && cur == off {
			return 0 // the same ring again
		}
		return refused
	}
	store32(l.mem, l.ctl+ctlLib, uint32(lib))
	put64(l.mem, l.ctl+ctlOff, uint64(off))
	put64(l.mem, l.ctl+ctlAddr, addr)
	store32(l.mem, l.ctl+ctlSeq, 1)
	hostsys.Shared.Wake(word(l.mem, l.ctl+ctlSeq), hostsys.All)
	return 0
}
