package nic

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"plib/image"
	"plib/internal/hostsys"
)

// Spin is how long the device polls an empty TX ring before it sleeps
// (and the library must kick it).
const Spin = 200 * time.Microsecond

// Device is the device model of one run. It is trusted code with access
// to the library's memory, as a NIC with DMA would be: it reads only the
// TX slots the library posted and writes only RX slots the library has
// consumed, and it checks every index and length it reads there.
type Device struct {
	mem   []byte
	ring  int    // the ring's offset in mem
	mac   []byte // the library's MAC
	tap   *os.File
	iface string
	link  bool       // tap is an AF_PACKET socket on an existing interface (LinkEnv), not a TAP
	rxMu  sync.Mutex // the loop (TX) and the TAP reader both fill RX
	Notes []string
}

// Serve runs the device of one run until ctx ends: it waits for the
// library's attach (the platform's record in the control page of f, the
// shared-data file of img), then drives the ring, bridged to a TAP
// interface where wire is true and one can be created. It returns what
// it did, for the run's notes.
func Serve(ctx context.Context, f *os.File, img *image.Image, wire bool) []string {
	ranges, size := img.SharedData()
	mem, err := unix.Mmap(int(f.Fd()), 0, int(size+4096), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return []string{"nic: cannot map the shared data: " + err.Error()}
	}
	defer unix.Munmap(mem)
	ctl := int(ControlPage(size))
	for load32(mem, ctl+ctlSeq) != 1 {
		if ctx.Err() != nil {
			return nil // no library attached a NIC: nothing to say
		}
		hostsys.Shared.Wait(word(mem, ctl+ctlSeq), load32(mem, ctl+ctlSeq), 50*time.Millisecond)
	}
	off, ok := ringAt(ranges, int(load32(mem, ctl+ctlLib)), get64(mem, ctl+ctlAddr))
	if !ok || uint64(off) != get64(mem, ctl+ctlOff) {
		return []string{"nic: the attach record does not name a ring in the library's data; device not started"}
	}
	d := &Device{mem: mem, ring: off, mac: append([]byte(nil), mem[off+HdrMAC:off+HdrMAC+6]...)}
	if get64(mem, off+HdrMagic) != Magic || load32(mem, off+HdrNTX) != NTX || load32(mem, off+HdrNRX) != NRX || load32(mem, off+HdrSlot) != Slot {
		return []string{"nic: the ring's header does not match this device (magic, slot counts, slot size); device not started"}
	}
	var wg sync.WaitGroup
	if name := os.Getenv(LinkEnv); wire && name != "" {
		if sock, err := openPacket(name); err != nil {
			d.Notes = append(d.Notes, "nic: no link ("+LinkEnv+"="+name+": "+err.Error()+"): frames to other hosts are dropped")
		} else {
			d.tap, d.iface, d.link = sock, name, true
			wg.Add(1)
			go func() { defer wg.Done(); d.readTAP() }()
		}
	} else if wire {
		if tap, name, err := openTAP(); err != nil {
			d.Notes = append(d.Notes, "nic: no host interface ("+err.Error()+"): frames to other hosts are dropped")
		} else {
			d.tap, d.iface = tap, name
			wg.Add(1)
			go func() { defer wg.Done(); d.readTAP() }()
		}
	}
	d.loop(ctx)
	if d.tap != nil {
		d.tap.Close()
	}
	wg.Wait()
	return append(d.describe(), d.Notes...)
}

// describe says what the NIC really was, and what it moved.
func (d *Device) describe() []string {
	where := "no host interface (loop only)"
	if d.link {
		where = fmt.Sprintf("interface %s (AF_PACKET, from %s)", d.iface, LinkEnv)
	} else if d.tap != nil {
		where = fmt.Sprintf("TAP %s (host %d.%d.%d.%d/24, NIC %d.%d.%d.%d)", d.iface, HostIP[0], HostIP[1], HostIP[2], HostIP[3], NicIP[0],
			NicIP[1], NicIP[2], NicIP[3])
	}
	s := func(o int) uint64 { return get64(d.mem, d.ring+o) }
	return []string{fmt.Sprintf("nic: the library drives rings directly; the device behind them is plib's (backend/nic), bridged to %s; "+
		"frames to the NIC's own MAC are looped back by the device. TX %d (looped %d, to the wire %d, bad %d), RX %d (from the wire %d, dropped: ring full %d)",
		where, s(StatTX), s(StatLoop), s(StatWTX), s(StatBad), s(StatRX), s(StatWRX), s(StatDrop))}
}

// loop polls the TX ring until ctx ends; idle past Spin, it sleeps until
// the library kicks it (or 50 ms, a bound, not a mechanism).
func (d *Device) loop(ctx context.Context) {
	r := d.ring
	last := time.Now()
	for n := 0; ; n++ {
		if n%64 == 0 && ctx.Err() != nil {
			return
		}
		cons, prod := load32(d.mem, r+TxCons), load32(d.mem, r+TxProd)
		if cons == prod {
			if time.Since(last) < Spin {
				runtime.Gosched()
				continue
			}
			store32(d.mem, r+DevSleep, 1)
			if load32(d.mem, r+TxProd) == cons { // posted after we looked? then the library saw us awake
				hostsys.Shared.Wait(word(d.mem, r+DevSleep), 1, 50*time.Millisecond)
			}
			store32(d.mem, r+DevSleep, 0)
			last = time.Now()
			continue
		}
		if prod-cons > NTX { // not a state the library makes: skip to its producer
			add64(d.mem, r+StatBad, uint64(prod-cons))
			store32(d.mem, r+TxCons, prod)
			continue
		}
		looped := false
		for ; cons != prod; cons++ {
			i := int(cons % NTX)
			n := load32(d.mem, r+Lens+4*i)
			add64(d.mem, r+StatTX, 1)
			if n < 14 || n > Slot {
				add64(d.mem, r+StatBad, 1)
				continue
			}
			frame := d.mem[r+Bufs+i*Slot : r+Bufs+i*Slot+int(n)]
			if bytes.Equal(frame[:6], d.mac) {
				add64(d.mem, r+StatLoop, 1)
				d.rxPut(frame)
				looped = true
			} else if d.tap != nil {
				if _, err := d.tap.Write(frame); err == nil {
					add64(d.mem, r+StatWTX, 1)
				}
			}
			store32(d.mem, r+TxCons, cons+1) // the slot is the library's again
		}
		if looped {
			d.notify()
		}
		last = time.Now()
	}
}

// rxPut copies a frame into the next free RX slot, or drops it.
func (d *Device) rxPut(frame []byte) {
	r := d.ring
	d.rxMu.Lock()
	defer d.rxMu.Unlock()
	prod, cons := load32(d.mem, r+RxProd), load32(d.mem, r+RxCons)
	if prod-cons >= NRX {
		add64(d.mem, r+StatDrop, 1)
		return
	}
	i := int(prod % NRX)
	copy(d.mem[r+Bufs+(NTX+i)*Slot:], frame)
	binary.LittleEndian.PutUint32(d.mem[r+Lens+4*(NTX+i):], uint32(len(frame)))
	store32(d.mem, r+RxProd, prod+1) // publishes the slot (a release store)
	add64(d.mem, r+StatRX, 1)
}

// notify bumps the wait word and wakes the applications sleeping on it.
func (d *Device) notify() {
	add32(d.mem, d.ring+Gen, 1)
	if load32(d.mem, d.ring+Waiters) > 0 {
		hostsys.Shared.Wake(word(d.mem, d.ring+Gen), hostsys.All)
	}
}

// readTAP moves frames from the host interface to the RX ring.
func (d *Device) readTAP() {
	buf := make([]byte, Slot+1)
	for {
		n, err := d.tap.Read(buf)
		if err != nil {
			return // closed at the end of the run
		}
		add64(d.mem, d.ring+StatWRX, 1)
		if n > Slot || n < 14 {
			continue
		}
		d.rxPut(buf[:n])
		d.notify()
	}
}
