package nic

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"plib/internal/cvalues"
)

// TestLayoutMatchesC checks every ring constant against plib_nic.h.
func TestLayoutMatchesC(t *testing.T) {
	want := map[string]int64{"NIC_MAGIC": Magic, "NIC_NTX": NTX, "NIC_NRX": NRX, "NIC_SLOT": Slot, "NIC_MTU": MTU,
		"NIC_HDR_MAGIC": HdrMagic, "NIC_HDR_NTX": HdrNTX, "NIC_HDR_NRX": HdrNRX, "NIC_HDR_SLOT": HdrSlot, "NIC_HDR_MAC": HdrMAC,
		"NIC_TX_PROD": TxProd, "NIC_TX_CONS": TxCons, "NIC_RX_PROD": RxProd, "NIC_RX_CONS": RxCons, "NIC_DEV_SLEEP": DevSleep,
		"NIC_GEN": Gen, "NIC_WAITERS": Waiters, "NIC_STAT_TX": StatTX, "NIC_STAT_RX": StatRX, "NIC_STAT_RX_DROP": StatDrop,
		"NIC_STAT_LOOP": StatLoop, "NIC_STAT_WIRE_TX": StatWTX, "NIC_STAT_WIRE_RX": StatWRX, "NIC_STAT_BAD": StatBad,
		"NIC_LENS": Lens, "NIC_BUFS": Bufs, "NIC_RING_BYTES": RingBytes, "NET_FRAME_MAX": FrameMax,
		"NET_FRAME_UDP": FrameUDP, "NET_FRAME_ARP": FrameARP, "NET_BAD_SHORT": BadShort, "NET_BAD_TYPE": BadType,
		"NET_BAD_IHL": BadIHL, "NET_BAD_TOTLEN": BadTotLen, "NET_BAD_FRAG": BadFrag, "NET_BAD_PROTO": BadProto,
		"NET_BAD_IPSUM": BadIPSum, "NET_BAD_UDPLEN": BadUDPLen, "NET_BAD_UDPSUM": BadUDPSum, "NET_BAD_PORT": BadPort, "NET_BAD_ARP": BadARP}
	cvalues.Check(t, `#include "plib_nic.h"
#include "frame.h"`, []string{"../../guestlib/include", "../../workloads/net"}, want)
	if NicIP != [4]byte{10, 77, 0, 2} {
		t.Errorf("NicIP %v: net.h's NET_MY_IP is 10.77.0.2", NicIP)
	}
}

// udpFrame builds a well-formed frame: Ethernet, IPv4, UDP with checksum.
func udpFrame(payload []byte, sport, dport uint16, sum bool) []byte {
	f := make([]byte, 42+len(payload))
	copy(f, []byte{2, 0x50, 0x4c, 0x49, 0x42, 2, 2, 0, 0, 0, 0, 1, 8, 0})
	ip := f[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(28+len(payload)))
	copy(ip[12:], []byte{10, 77, 0, 1, 10, 77, 0, 2})
	binary.BigEndian.PutUint16(ip[10:], Csum(ip[:20], 0))
	u := ip[20:]
	binary.BigEndian.PutUint16(u, sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	copy(u[8:], payload)
	if sum {
		pseudo := be16(ip[12:]) + be16(ip[14:]) + be16(ip[16:]) + be16(ip[18:]) + 17 + uint32(8+len(payload))
		c := Csum(u[:8+len(payload)], pseudo)
		if c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(u[6:], c)
	}
	return f
}

func arpFrame(op uint16) []byte {
	f := make([]byte, 60)
	copy(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8, 6, 0, 1, 8, 0, 6, 4})
	binary.BigEndian.PutUint16(f[20:], op)
	copy(f[22:], []byte{2, 0, 0, 0, 0, 1, 10, 77, 0, 1})
	copy(f[38:], []byte{10, 77, 0, 2})
	return f
}

// frames is a corpus: well-formed frames and many mutations of them.
func frames(n int) [][]byte {
	r := rand.New(rand.NewSource(1))
	base := [][]byte{udpFrame([]byte("hello"), 7400, 7401, true), udpFrame(make([]byte, 4096), 1, 2, false),
		udpFrame(nil, 9, 9, true), arpFrame(1), arpFrame(2), arpFrame(3), {}, make([]byte, 13)}
	out := append([][]byte(nil), base...)
	for len(out) < n {
		f := append([]byte(nil), base[r.Intn(len(base))]...)
		switch r.Intn(4) {
		case 0:
			if len(f) > 0 {
				f = f[:r.Intn(len(f))]
			}
		case 1:
			for k := 0; k < 1+r.Intn(3) && len(f) > 0; k++ {
				f[r.Intn(min(len(f), 50))] = byte(r.Intn(256))
			}
		case 2:
			if len(f) > 0 {
				f[r.Intn(len(f))] ^= 1 << r.Intn(8)
			}
		case 3:
			f = append(f, make([]byte, r.Intn(20))...)
		}
		out = append(out, f)
	}
	return out
}

func (m Meta) String() string {
	return fmt.Sprintf("%d %d %d %d %d %d %d %d %d %d %d %d %d", m.SrcIP, m.DstIP, m.SrcPort, m.DstPort, m.Off, m.Len, m.ARPOp,
		m.SrcMAC[0], m.SrcMAC[1], m.SrcMAC[2], m.SrcMAC[3], m.SrcMAC[4], m.SrcMAC[5])
}

// TestParserMatchesC runs frame.c (compiled for the host) and Parse over
// the same frames: the same verdict and the same fields, every one.
func TestParserMatchesC(t *testing.T) {
	dir := t.TempDir()
	driver := `#include <stdio.h>
#include "frame.h"
int main(void) {
	static uint8_t f[70000]; unsigned n;
	while (fread(&n, 4, 1, stdin) == 1 && n <= sizeof f && fread(f, 1, n, stdin) == n) {
		struct net_meta m; int r = net_parse(f, n, &m);
		printf("%d %u %u %u %u %u %u %u %u %u %u %u %u %u\n", r, m.src_ip, m.dst_ip, m.src_port, m.dst_port, m.off, m.len, m.arp_op,
			m.src_mac[0], m.src_mac[1], m.src_mac[2], m.src_mac[3], m.src_mac[4], m.src_mac[5]);
	}
	return 0;
}`
	src := filepath.Join(dir, "driver.c")
	if err := os.WriteFile(src, []byte(driver), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "driver")
	if out, err := exec.Command("gcc", "-O1", "-Wall", "-Werror", "-I", "../../workloads/net", "-o", bin, src, "../../workloads/net/frame.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	corpus := frames(20000)
	var in bytes.Buffer
	for _, f := range corpus {
		binary.Write(&in, binary.LittleEndian, uint32(len(f)))
		in.Write(f)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	kinds := map[int]int{}
	for i, f := range corpus {
		if !sc.Scan() {
			t.Fatalf("the C parser answered %d frames of %d", i, len(corpus))
		}
		r, m := Parse(f)
		kinds[r]++
		if want := fmt.Sprintf("%d %v", r, m); strings.TrimSpace(sc.Text()) != want {
			t.Fatalf("frame %d (% x): C says %q, Go says %q", i, f, sc.Text(), want)
		}
	}
	for _, k := range []int{FrameUDP, FrameARP, BadShort, BadIPSum, BadUDPSum, BadARP} {
		if kinds[k] == 0 {
			t.Errorf("the corpus never produced result %d: %v", k, kinds)
		}
	}
}

// FuzzParse: no frame makes the parser read or point outside the frame,
// and a frame it accepts is one whose headers say what it found.
func FuzzParse(f *testing.F) {
	for _, fr := range frames(64) {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, fr []byte) {
		r, m := Parse(fr)
		if r == FrameUDP {
			if uint64(m.Off)+uint64(m.Len) > uint64(len(fr)) || m.SrcPort == 0 || m.DstPort == 0 {
				t.Fatalf("accepted a datagram outside its frame: %+v of %d bytes", m, len(fr))
			}
			if int(be16(fr[14+2:]))+14 > len(fr) || fr[14+9] != 17 {
				t.Fatalf("accepted a frame whose IP header disagrees: %+v", m)
			}
		}
	})
}
