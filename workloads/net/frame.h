/* frame.h - the net library's frame parser: Ethernet, ARP, IPv4, UDP.
 * Every frame comes from the wire and is distrusted: each length and
 * offset is checked before it is used. backend/nic/frame.go is its
 * byte-for-byte Go model (compared with it, and fuzzed, by its tests). */
#ifndef NET_FRAME_H
#define NET_FRAME_H
#include <stdint.h>

#define NET_FRAME_UDP 1 /* an IPv4 UDP datagram: m->off, m->len locate the payload */
#define NET_FRAME_ARP 2 /* an ARP request or reply for IPv4 over Ethernet */

/* Why a frame was refused (negative results of net_parse). */
#define NET_BAD_SHORT (-1)     /* shorter than its headers */
#define NET_BAD_TYPE (-2)      /* neither IPv4 nor ARP */
#define NET_BAD_IHL (-3)       /* not version 4, or a header length out of range */
#define NET_BAD_TOTLEN (-4)    /* IP total length out of range */
#define NET_BAD_FRAG (-5)      /* a fragment (not reassembled) */
#define NET_BAD_PROTO (-6)     /* not UDP */
#define NET_BAD_IPSUM (-7)     /* IP header checksum */
#define NET_BAD_UDPLEN (-8)    /* UDP length out of range */
#define NET_BAD_UDPSUM (-9)    /* UDP checksum (when present) */
#define NET_BAD_PORT (-10)     /* port 0 */
#define NET_BAD_ARP (-11)      /* not Ethernet/IPv4 ARP, or an unknown operation */
#define NET_FRAME_MAX 8192     /* NIC_SLOT */

struct net_meta {
	uint32_t src_ip, dst_ip;     /* host order */
	uint16_t src_port, dst_port; /* UDP; ARP: 0 */
	uint32_t off, len;           /* UDP payload in the frame */
	uint16_t arp_op;             /* ARP: 1 request, 2 reply */
	uint8_t src_mac[6];          /* ARP: the sender's hardware address */
};

int net_parse(const uint8_t *f, uint32_t n, struct net_meta *m);
uint16_t net_csum(const uint8_t *p, uint32_t n, uint32_t sum);

#endif
