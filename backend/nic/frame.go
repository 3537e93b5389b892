package nic

// The net library's frame parser (workloads/net/frame.c), modelled byte
// for byte: TestParserMatchesC runs both over the same frames and
// FuzzParse searches for a frame that breaks the model's bounds.

// Results of Parse, as frame.h names them.
const (
	FrameUDP  = 1
	FrameARP  = 2
	BadShort  = -1
	BadType   = -2
	BadIHL    = -3
	BadTotLen = -4
	BadFrag   = -5
	BadProto  = -6
	BadIPSum  = -7
	BadUDPLen = -8
	BadUDPSum = -9
	BadPort   = -10
	BadARP    = -11
	FrameMax  = 8192
)

// Meta is struct net_meta.
type Meta struct {
	SrcIP, DstIP     uint32
	SrcPort, DstPort uint16
	Off, Len         uint32
	ARPOp            uint16
	SrcMAC           [6]byte
}

func be16(p []byte) uint32 { return uint32(p[0])<<8 | uint32(p[1]) }
func be32(p []byte) uint32 { return be16(p)<<16 | be16(p[2:]) }

// Csum is net_csum: the folded, complemented one's-complement sum.
func Csum(p []byte, sum uint32) uint16 {
	s := uint64(sum)
	n := len(p)
	for i := 0; i+1 < n; i += 2 {
		s += uint64(be16(p[i:]))
	}
	if n&1 != 0 {
		s += uint64(p[n-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func parseARP(a []byte, n int, m *Meta) int {
	if n < 14+28 {
		return BadShort
	}
	if be16(a) != 1 || be16(a[2:]) != 0x0800 || a[4] != 6 || a[5] != 4 {
		return BadARP
	}
	m.ARPOp = uint16(be16(a[6:]))
	if m.ARPOp != 1 && m.ARPOp != 2 {
		return BadARP
	}
	copy(m.SrcMAC[:], a[8:14])
	m.SrcIP = be32(a[14:])
	m.DstIP = be32(a[24:])
	return FrameARP
}

// Parse is net_parse over f (its length is the frame's).
func Parse(f []byte) (int, Meta) {
	var m Meta
	n := len(f)
	if n < 14 || n > FrameMax {
		return BadShort, m
	}
	typ := be16(f[12:])
	if typ == 0x0806 {
		r := parseARP(f[14:], n, &m)
		return r, m
	}
	if typ != 0x0800 {
		return BadType, m
	}
	ip := f[14:]
	room := uint32(n - 14)
	if room < 20 {
		return BadShort, m
	}
	ihl := uint32(ip[0]&15) * 4
	if ip[0]>>4 != 4 || ihl < 20 || ihl > room {
		return BadIHL, m
	}
	total := be16(ip[2:])
	if total < ihl+8 || total > room {
		return BadTotLen, m
	}
	if be16(ip[6:])&0x3fff != 0 {
		return BadFrag, m
	}
	if ip[9] != 17 {
		return BadProto, m
	}
	if Csum(ip[:ihl], 0) != 0 {
		return BadIPSum, m
	}
	u := ip[ihl:]
	ulen := be16(u[4:])
	if ulen < 8 || ulen > total-ihl {
		return BadUDPLen, m
	}
	m.SrcIP, m.DstIP = be32(ip[12:]), be32(ip[16:])
	if be16(u[6:]) != 0 {
		pseudo := be16(ip[12:]) + be16(ip[14:]) + be16(ip[16:]) + be16(ip[18:]) + 17 + ulen
		if Csum(u[:ulen], pseudo) != 0 {
			return BadUDPSum, Meta{SrcIP: m.SrcIP, DstIP: m.DstIP}
		}
	}
	m.SrcPort, m.DstPort = uint16(be16(u)), uint16(be16(u[2:]))
	if m.SrcPort == 0 || m.DstPort == 0 {
		return BadPort, m
	}
	m.Off, m.Len = 14+ihl+8, ulen-8
	return FrameUDP, m
}
