/* frame.c - the net library's frame parser (see frame.h). */
#include "frame.h"

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

/* The one's-complement sum of n bytes at p added to sum, folded and
 * complemented: 0 over data that carries its own correct checksum. */
uint16_t net_csum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	uint64_t s = sum;
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8; /* an odd byte is padded with zero */
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int parse_arp(const uint8_t *a, uint32_t n, struct net_meta *m)
{
	if (n < 14 + 28)
		return NET_BAD_SHORT;
	if (be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
		return NET_BAD_ARP;
	m->arp_op = (uint16_t)be16(a + 6);
	if (m->arp_op != 1 && m->arp_op != 2)
		return NET_BAD_ARP;
	for (int i = 0; i < 6; i++)
		m->src_mac[i] = a[8 + i];
	m->src_ip = be32(a + 14);
	m->dst_ip = be32(a + 24);
	return NET_FRAME_ARP;
}

int net_parse(const uint8_t *f, uint32_t n, struct net_meta *m)
{
	*m = (struct net_meta){0};
	if (n < 14 || n > NET_FRAME_MAX)
		return NET_BAD_SHORT;
	uint32_t type = be16(f + 12);
	if (type == 0x0806)
		return parse_arp(f + 14, n, m);
	if (type != 0x0800)
		return NET_BAD_TYPE;
	const uint8_t *ip = f + 14;
	uint32_t room = n - 14; /* bytes the frame holds past Ethernet */
	if (room < 20)
		return NET_BAD_SHORT;
	uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
	if (ip[0] >> 4 != 4 || ihl < 20 || ihl > room)
		return NET_BAD_IHL;
	uint32_t total = be16(ip + 2);
	if (total < ihl + 8 || total > room) /* trailing padding is allowed */
		return NET_BAD_TOTLEN;
	if (be16(ip + 6) & 0x3fff) /* MF set or a fragment offset */
		return NET_BAD_FRAG;
	if (ip[9] != 17)
		return NET_BAD_PROTO;
	if (net_csum(ip, ihl, 0) != 0)
		return NET_BAD_IPSUM;
	const uint8_t *u = ip + ihl;
	uint32_t ulen = be16(u + 4);
	if (ulen < 8 || ulen > total - ihl)
		return NET_BAD_UDPLEN;
	m->src_ip = be32(ip + 12);
	m->dst_ip = be32(ip + 16);
	if (be16(u + 6) != 0) { /* the pseudo-header, then the datagram */
		uint32_t pseudo = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + 17 + ulen;
		if (net_csum(u, ulen, pseudo) != 0)
			return NET_BAD_UDPSUM;
	}
	m->src_port = (uint16_t)be16(u);
	m->dst_port = (uint16_t)be16(u + 2);
	if (m->src_port == 0 || m->dst_port == 0)
		return NET_BAD_PORT;
	m->off = 14 + ihl + 8;
	m->len = ulen - 8;
	return NET_FRAME_UDP;
}
