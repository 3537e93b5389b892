/* app_util.h - what the dds workloads' applications share: the message
 * they exchange, and a receive that waits outside the library. */
#ifndef NET_APP_UTIL_H
#define NET_APP_UTIL_H
#include "net.h"

#define OUT_OFF 0                /* net_recv's buffer in the argument area */
#define OUT_CAP (16 + NET_MAX_PAYLOAD)
#define MSG_OFF (OUT_CAP + 64)   /* what the application sends */
#define KIND_PING 0x474e4950     /* "PING" */
#define KIND_DATA 0x41544144     /* "DATA" */
#define KIND_ACK 0x204b4341      /* "ACK " */
#define KIND_STOP 0x504f5453     /* "STOP" */

/* Every message starts so: 12 bytes, the smallest message sent. */
struct msg {
	uint32_t kind;
	uint32_t seq_lo, seq_hi;
};

/* How long recv_wait polls (net_recv returns at once) before it waits on
 * the platform, in TSC cycles: 0, or what the image's poll_cycles says.
 * It polls only where an empty net_recv costs less than RECV_POLL_CALL
 * cycles: a call that costs more (a switch, a system call, a wake-up of
 * another process) would spend the core the other side needs, and its
 * platform wait is then the cheaper way. */
static uint64_t recv_poll;
#define RECV_POLL_CALL 800

/* The next datagram for this application: net_recv polled for up to
 * recv_poll cycles, then a wait outside the library (plib_nic_wait) at
 * most waits times 10 ms. Its length, or an error. */
static inline long recv_wait(long waits)
{
	for (long w = 0;; w++) {
		uint64_t t0 = plib_rdtsc();
		long r = plib_call(NET_RECV, OUT_OFF, OUT_CAP, 0, 0);
		if (net_empty(r) && w == 0 && recv_poll && plib_rdtsc() - t0 < RECV_POLL_CALL)
			while (net_empty(r) && plib_rdtsc() - t0 < recv_poll) {
				__asm__ volatile("pause");
				r = plib_call(NET_RECV, OUT_OFF, OUT_CAP, 0, 0);
			}
		if (!net_empty(r) || w >= waits)
			return net_empty(r) ? NET_EAGAIN : r;
		plib_nic_wait(net_token(r), PLIB_NIC_WAIT_MAX_US);
	}
}

/* Sends len bytes at MSG_OFF from port sport to dst_ip:dport, retrying
 * while the TX ring is full (a bounded number of times). */
static inline long send_to(long sport, uint32_t dst_ip, long dport, long len)
{
	for (long tries = 0;; tries++) {
		long r = plib_call(NET_SEND, sport | dport << 16, dst_ip, MSG_OFF, len);
		if (r != NET_EAGAIN || tries > 1000000)
			return r;
		__asm__ volatile("pause");
	}
}

static inline void put_msg(char *a, uint32_t kind, uint64_t seq)
{
	struct msg m = {kind, (uint32_t)seq, (uint32_t)(seq >> 32)};
	memcpy(a + MSG_OFF, &m, sizeof m);
}

/* The header and message net_recv left at OUT_OFF. */
static inline struct net_hdr got_hdr(const char *a)
{
	struct net_hdr h;
	memcpy(&h, a + OUT_OFF, sizeof h);
	return h;
}
static inline struct msg got_msg(const char *a)
{
	struct msg m;
	memcpy(&m, a + OUT_OFF + sizeof(struct net_hdr), sizeof m);
	return m;
}
static inline uint64_t seq_of(struct msg m) { return (uint64_t)m.seq_hi << 32 | m.seq_lo; }

static inline void say(const char *who, const char *what)
{
	plib_print(who);
	plib_print(": ");
	plib_print(what);
	plib_print("\n");
}
#endif
