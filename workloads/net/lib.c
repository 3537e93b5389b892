/* lib.c - the net library (net.h): drives plib's NIC through the ring in
 * its own data (plib_nic.h), frames UDP over IPv4 over Ethernet, and keeps
 * one receive queue per application. Whichever application calls
 * net_recv first drains the RX ring for all (bounded per call): the
 * parser distrusts every frame, each datagram goes to the queue of the
 * application that bound its port, and sleepers are woken when another
 * application's call delivered to them. Every entry is bounded in time;
 * arguments are copied in before use and results copied out last. */
#include "net.h"
#include "frame.h"
#include "plib_lock.h"

PLIB_LIBRARY_HEAP(4096);

static char ring[NIC_RING_BYTES] __attribute__((aligned(4096)));
static uint8_t my_mac[6] = {0x02, 0x50, 0x4c, 0x49, 0x42, 0x02}; /* the last byte: net_host */
static uint32_t my_ip = NET_MY_IP;                                  /* 10.77.0.net_host */
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct dgram {
	struct net_hdr h;
	char data[NET_MAX_PAYLOAD];
};
struct appq {
	uint32_t head, tail;
	uint64_t drops, delivered;
	uint8_t from[NET_QCAP];           /* each datagram's sender: application + 1, or 0 (the wire) */
	uint32_t held[PLIB_MAX_APPS + 1]; /* datagrams queued per sender, indexed as from */
	struct dgram q[NET_QCAP];
};
static struct appq queues[PLIB_MAX_APPS];
static struct dgram staging[PLIB_MAX_APPS]; /* a datagram on its way out */
static uint8_t port_owner[65536];           /* 0, or application + 1 */
static uint8_t nports[PLIB_MAX_APPS];
static uint8_t tx_owner[NIC_NTX];           /* application + 1, or 0 (the library's own) */
static struct { uint32_t ip; uint8_t mac[6]; } arp[8];
static uint32_t arp_next;
static uint64_t rejected, noport, reclaimed;
static long lock_word; /* 0, or the holder + 1 */
static int state;      /* 0 not set up, 1 attached, -1 no NIC */

#define U32(off) (*(volatile uint32_t *)(ring + (off)))
#define TX_BUF(i) ((uint8_t *)ring + NIC_BUFS + (i) * NIC_SLOT)
#define RX_BUF(i) ((uint8_t *)ring + NIC_BUFS + (NIC_NTX + (i)) * NIC_SLOT)

static void reclaim(long app);
static void deliver(long app, const struct net_meta *m, const uint8_t *payload, uint32_t from);
static void notify(void);

/* A waiter that finds the holder's instance gone takes over (plib_lock.h):
 * every state it can leave is consistent, and only its own is dropped. */
static void lock(void) { plib_lock(&lock_word, reclaim); }

static void unlock(void) { plib_unlock(&lock_word); }

/* Sets the ring up and attaches it, once. */
static int ready(void)
{
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == 0) {
		lock();
		if (state == 0) {
			long host = plib_param("net_host", 2); /* another host on the link takes another number */
			if (host >= 2 && host <= 254)
				my_ip = NET_IP(10, 77, 0, host), my_mac[5] = (uint8_t)host;
			*(uint64_t *)(ring + NIC_HDR_MAGIC) = NIC_MAGIC;
			U32(NIC_HDR_NTX) = NIC_NTX;
			U32(NIC_HDR_NRX) = NIC_NRX;
			U32(NIC_HDR_SLOT) = NIC_SLOT;
			memcpy(ring + NIC_HDR_MAC, my_mac, 6);
			__atomic_store_n(&state, plib_nic_attach(ring) == 0 ? 1 : -1, __ATOMIC_RELEASE);
		}
		unlock();
	}
	return state == 1;
}

/* Drops what a dead application held: its ports and its queue. */
static void reclaim(long app)
{
	if (app < 0 || app >= PLIB_MAX_APPS)
		return;
	for (uint32_t p = 0; p < 65536 && nports[app]; p++)
		if (port_owner[p] == app + 1) {
			port_owner[p] = 0;
			nports[app]--;
		}
	nports[app] = 0;
	queues[app].head = queues[app].tail = 0;
	memset(queues[app].held, 0, sizeof queues[app].held);
	reclaimed++;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16), put16(p + 2, v); }

static const uint8_t *resolve(uint32_t ip)
{
	if (ip == my_ip)
		return my_mac; /* the device loops it back */
	for (int i = 0; i < 8; i++)
		if (arp[i].ip == ip)
			return arp[i].mac;
	return bcast; /* not learnt yet: the host's stack still takes it */
}

/* Claims the next TX slot for owner (app + 1, or 0), or NULL. With the lock held. */
static uint8_t *tx_slot(uint32_t owner, uint32_t *idx)
{
	uint32_t prod = U32(NIC_TX_PROD), cons = __atomic_load_n((uint32_t *)(ring + NIC_TX_CONS), __ATOMIC_ACQUIRE);
	if (prod - cons >= NIC_NTX)
		return 0;
	uint32_t mine = 0;
	for (uint32_t k = cons; k != prod; k++) /* the application's share: half the ring */
		mine += owner && tx_owner[k % NIC_NTX] == owner;
	if (mine >= NIC_NTX / 2)
		return 0;
	*idx = prod % NIC_NTX;
	tx_owner[*idx] = (uint8_t)owner;
	return TX_BUF(*idx);
}

/* Publishes slot idx of len bytes; says whether the device must be kicked. */
static int tx_post(uint32_t idx, uint32_t len)
{
	if (len < 60) /* Ethernet's minimum, zero-padded */
		memset(TX_BUF(idx) + len, 0, 60 - len), len = 60;
	U32(NIC_LENS + 4 * idx) = len;
	__atomic_store_n((uint32_t *)(ring + NIC_TX_PROD), U32(NIC_TX_PROD) + 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n((uint32_t *)(ring + NIC_DEV_SLEEP), __ATOMIC_SEQ_CST) != 0;
}

static void eth(uint8_t *f, const uint8_t *dst, uint32_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, my_mac, 6);
	put16(f + 12, type);
}

/* Writes Ethernet, IPv4 and UDP headers before a payload of len bytes at f + 42. */
static void udp_headers(uint8_t *f, uint32_t dst_ip, uint32_t sport, uint32_t dport, uint32_t len)
{
	eth(f, resolve(dst_ip), 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45, ip[8] = 64, ip[9] = 17;
	put16(ip + 2, 28 + len);
	put16(ip + 6, 0x4000); /* don't fragment */
	put32(ip + 12, my_ip);
	put32(ip + 16, dst_ip);
	put16(ip + 10, net_csum(ip, 20, 0));
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	put16(ip + 24, 8 + len);
	put16(ip + 26, 0); /* no UDP checksum (allowed over IPv4) */
}

static long net_bind(long port, long a1, long a2, long a3)
{
	long me = plib_app_id();
	if (!ready())
		return NET_ENODEV;
	if (port < 1 || port > 65535)
		return NET_EINVAL;
	lock();
	long r = 0, owner = port_owner[port] - 1;
	if (owner >= 0 && owner != me && plib_app_alive(owner) == 0)
		reclaim(owner), owner = -1; /* its previous owner has ended */
	if (owner == me)
		r = 0;
	else if (owner >= 0)
		r = NET_EADDRINUSE;
	else if (nports[me] >= NET_MAX_PORTS)
		r = NET_ENOSPC;
	else
		port_owner[port] = (uint8_t)(me + 1), nports[me]++;
	unlock();
	return r;
}

static long net_unbind(long port, long a1, long a2, long a3)
{
	long me = plib_app_id();
	if (port < 1 || port > 65535)
		return NET_EINVAL;
	lock();
	long r = port_owner[port] == me + 1 ? 0 : NET_EPERM;
	if (r == 0)
		port_owner[port] = 0, nports[me]--;
	unlock();
	return r;
}

/* A datagram to the library's own address: it never leaves the library,
 * which owns both ends' queues, so it is queued for the destination
 * port's owner at once (no TX slot, no device, no RX slot). */
static long send_local(long me, uint32_t sport, uint32_t dport, long off, long len)
{
	long r = 0, to = -1;
	lock();
	if (port_owner[sport] != me + 1)
		r = NET_EPERM;
	else if (plib_copy_in(staging[me].data, (uint64_t)off, (uint64_t)len)) /* before anything else */
		r = NET_EINVAL;
	else if (!port_owner[dport])
		noport++;
	else {
		struct net_meta m = {.src_ip = my_ip, .dst_ip = my_ip, .src_port = (uint16_t)sport, .dst_port = (uint16_t)dport, .len = (uint32_t)len};
		to = port_owner[dport] - 1;
		deliver(to, &m, (const uint8_t *)staging[me].data, (uint32_t)me + 1);
	}
	unlock();
	if (to >= 0 && to != me)
		notify();
	return r ? r : len;
}

static long net_send(long ports, long dst_ip, long off, long len)
{
	long me = plib_app_id();
	uint32_t sport = (uint32_t)ports & 0xffff, dport = ((uint32_t)ports >> 16) & 0xffff, idx;
	if (!ready())
		return NET_ENODEV;
	if (sport == 0 || dport == 0 || (unsigned long)ports >> 32 || (unsigned long)dst_ip >> 32)
		return NET_EINVAL;
	if (len < 0 || len > NET_MAX_PAYLOAD)
		return NET_EMSGSIZE;
	if (dst_ip == my_ip)
		return send_local(me, sport, dport, off, len);
	lock();
	uint8_t *f = port_owner[sport] == me + 1 ? tx_slot((uint32_t)me + 1, &idx) : 0;
	long r = port_owner[sport] != me + 1 ? NET_EPERM : !f ? NET_EAGAIN : 0;
	if (f && plib_copy_in(f + 42, (uint64_t)off, (uint64_t)len)) /* into the slot, before anything else */
		r = NET_EINVAL;
	int kick = 0;
	if (r == 0) {
		udp_headers(f, (uint32_t)dst_ip, sport, dport, (uint32_t)len);
		kick = tx_post(idx, 42 + (uint32_t)len);
	}
	unlock();
	if (kick)
		plib_nic_kick(); /* the device went idle: the one platform call a send can make */
	return r ? r : len;
}

/* Answers an ARP request for our address and learns its sender. */
static int on_arp(const struct net_meta *m)
{
	int i;
	for (i = 0; i < 8 && arp[i].ip != m->src_ip; i++)
		;
	if (i == 8)
		i = (int)(arp_next++ % 8);
	arp[i].ip = m->src_ip;
	memcpy(arp[i].mac, m->src_mac, 6);
	uint32_t idx;
	uint8_t *f = m->arp_op == 1 && m->dst_ip == my_ip ? tx_slot(0, &idx) : 0;
	if (!f)
		return 0;
	eth(f, m->src_mac, 0x0806);
	uint8_t *a = f + 14;
	put16(a, 1), put16(a + 2, 0x0800), a[4] = 6, a[5] = 4, put16(a + 6, 2);
	memcpy(a + 8, my_mac, 6);
	put32(a + 14, my_ip);
	memcpy(a + 18, m->src_mac, 6);
	put32(a + 24, m->src_ip);
	return tx_post(idx, 42);
}

/* Queues a datagram for application app (its port's owner), sent by
 * from (application + 1, or 0: the wire). Every sender but app itself
 * may hold at most NET_QSHARE of app's queue, so that a flood from
 * another application or from the wire still leaves app room for the
 * rest. With the lock held. */
static void deliver(long app, const struct net_meta *m, const uint8_t *payload, uint32_t from)
{
	struct appq *q = &queues[app];
	if (q->tail - q->head >= NET_QCAP || (from != (uint32_t)app + 1 && q->held[from] >= NET_QSHARE)) {
		q->drops++; /* its quota: the others' queues are untouched */
		return;
	}
	uint32_t i = q->tail % NET_QCAP;
	struct dgram *d = &q->q[i];
	d->h = (struct net_hdr){m->src_ip, m->src_port, m->dst_port, m->len, 0};
	memcpy(d->data, payload, m->len);
	q->from[i] = (uint8_t)from;
	q->held[from]++;
	q->tail++;
	q->delivered++;
}

/* Bumps the wait word and wakes the applications sleeping on it: after
 * a datagram was queued for another application, which may be asleep on
 * a token from before. */
static void notify(void)
{
	__atomic_add_fetch((uint32_t *)(ring + NIC_GEN), 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n((uint32_t *)(ring + NIC_WAITERS), __ATOMIC_SEQ_CST))
		plib_nic_wake();
}

/* Moves up to 64 frames from the RX ring to the applications' queues.
 * Returns a mask of the applications other than me that got one, and
 * whether an ARP reply needs the device kicked. With the lock held. */
static uint32_t drain(long me, int *kick)
{
	uint32_t cons = U32(NIC_RX_CONS), prod = __atomic_load_n((uint32_t *)(ring + NIC_RX_PROD), __ATOMIC_ACQUIRE);
	uint32_t others = 0;
	if (prod - cons > NIC_NRX) /* never made by the device; resynchronise */
		cons = prod;
	for (int k = 0; k < 64 && cons != prod; k++, cons++) {
		uint32_t i = cons % NIC_NRX, n = U32(NIC_LENS + 4 * (NIC_NTX + i));
		struct net_meta m;
		int t = net_parse(RX_BUF(i), n, &m);
		if (t == NET_FRAME_ARP)
			*kick |= on_arp(&m);
		else if (t != NET_FRAME_UDP)
			rejected++;
		else if (m.dst_ip != my_ip || !port_owner[m.dst_port])
			noport++;
		else {
			long app = port_owner[m.dst_port] - 1;
			deliver(app, &m, RX_BUF(i) + m.off, 0);
			others |= app != me ? 1u << app : 0;
		}
		__atomic_store_n((uint32_t *)(ring + NIC_RX_CONS), cons + 1, __ATOMIC_RELEASE); /* the slot is the device's again */
	}
	return others;
}

static long net_recv(long off, long cap, long a2, long a3)
{
	long me = plib_app_id();
	if (!ready())
		return NET_ENODEV;
	if (cap < 0)
		return NET_EINVAL;
	uint32_t token = __atomic_load_n((uint32_t *)(ring + NIC_GEN), __ATOMIC_ACQUIRE); /* before looking */
	int kick = 0;
	lock();
	uint32_t others = drain(me, &kick);
	struct appq *q = &queues[me];
	long len = -1;
	if (q->head != q->tail) {
		struct dgram *d = &q->q[q->head % NET_QCAP];
		len = d->h.len;
		if ((uint64_t)len + sizeof d->h <= (uint64_t)cap) {
			memcpy(&staging[me], d, sizeof d->h + len); /* private until it is copied out */
			q->held[q->from[q->head % NET_QCAP]]--;
			q->head++;
		} else {
			len = NET_EMSGSIZE; /* stays queued: the caller may retry with room */
		}
	}
	unlock();
	if (others)
		notify();
	if (kick)
		plib_nic_kick();
	if (len == -1)
		return NET_EMPTY_BASE - (long)token;
	if (len >= 0 && plib_copy_out((uint64_t)off, &staging[me], sizeof staging[me].h + (uint64_t)len)) /* last */
		return NET_EINVAL;
	return len;
}

static long net_stat(long which, long a1, long a2, long a3)
{
	long me = plib_app_id();
	switch (which) {
	case NET_STAT_DROPS:
		return (long)queues[me].drops;
	case NET_STAT_DELIVERED:
		return (long)queues[me].delivered;
	case NET_STAT_REJECTED:
		return (long)rejected;
	case NET_STAT_NOPORT:
		return (long)noport;
	case NET_STAT_RECLAIMED:
		return (long)reclaimed;
	case NET_STAT_ADDR:
		return ready() ? (long)my_ip : NET_ENODEV;
	}
	return NET_EINVAL;
}

PLIB_EXPORT(0, net_bind);
PLIB_EXPORT(1, net_send);
PLIB_EXPORT(2, net_recv);
PLIB_EXPORT(3, net_stat);
PLIB_EXPORT(4, net_unbind);
