/* app.c - dds-pingpong: instance 0 sends a 12-byte message to instance
 * 1's port and waits for it to come back, `iterations` times per round;
 * it reports rtt_cycles (cycles per round trip) per round. Instance 1
 * echoes every message until STOP. Neither trusts the other: each binds
 * its own port, and the net library keeps their traffic apart.
 * Params: iterations (default 100), rounds (default 5), size (bytes per
 * message, 12..NET_MAX_PAYLOAD, default 12), samples.
 * Across two hosts (two runs of this image on one link, each with its
 * own net_host): peer=N names the other run's library, 10.77.0.N; the
 * run with echo_side=1 echoes (its instance 1) and the other pings (its
 * instance 0); each run's other instance ends at once. */
#include "../net/app_util.h"

PLIB_APPS(2);

#define PING_PORT 7400
#define ECHO_PORT 7401
#define MAX_ROUNDS 32

static char *A;

static int echo(void)
{
	long r0 = plib_call(NET_STAT, NET_STAT_REJECTED, 0, 0, 0);
	for (;;) {
		long r = recv_wait(1000); /* 10 s without a message: the pinger is gone */
		if (r < 0) {
			say("dds-pingpong echo", "no message for 10 s");
			return 1;
		}
		struct net_hdr h = got_hdr(A);
		memcpy(A + MSG_OFF, A + OUT_OFF + sizeof h, h.len);
		if (h.len >= sizeof(struct msg) && got_msg(A).kind == KIND_STOP) {
			plib_metric("echo_rejected_frames", plib_call(NET_STAT, NET_STAT_REJECTED, 0, 0, 0) - r0);
			return 0;
		}
		if (send_to(ECHO_PORT, h.src_ip, h.src_port, h.len) < 0)
			return 1;
	}
}

/* One round trip of message seq; 0, or -1 when it is lost (1 s). */
static uint32_t echo_ip = NET_MY_IP;

static int round_trip(uint64_t seq, long size, long waits)
{
	put_msg(A, KIND_PING, seq);
	if (send_to(PING_PORT, echo_ip, ECHO_PORT, size) != size)
		return -1;
	for (;;) {
		if (recv_wait(waits) < 0)
			return -1;
		if (got_msg(A).kind == KIND_PING && seq_of(got_msg(A)) == seq)
			return 0; /* an older one is a late echo: skip it */
	}
}

int main(void)
{
	A = plib_args(NET_LIB);
	long iters = plib_param("iterations", 100), rounds = plib_param("rounds", 5), size = plib_param("size", 12);
	recv_poll = (uint64_t)plib_param("poll_cycles", 2000000);
	if (iters < 1 || rounds < 1 || rounds > MAX_ROUNDS || size < (long)sizeof(struct msg) || size > NET_MAX_PAYLOAD) {
		say("dds-pingpong", "bad parameters");
		return 2;
	}
	long me = plib_app_id(), peer = plib_param("peer", 0), echo_side = plib_param("echo_side", 0);
	if (peer && me == (echo_side ? 0 : 1))
		return 0; /* the other host's run plays this part */
	if (peer)
		echo_ip = NET_IP(10, 77, 0, peer);
	else if ((echo_ip = (uint32_t)plib_call(NET_STAT, NET_STAT_ADDR, 0, 0, 0)) == (uint32_t)NET_ENODEV)
		echo_ip = NET_MY_IP;
	long b = plib_call(NET_BIND, me ? ECHO_PORT : PING_PORT, 0, 0, 0);
	if (b != 0) {
		say("dds-pingpong", b == NET_ENODEV ? "no NIC in this run" : "bind failed");
		return 1;
	}
	if (me == 1)
		return echo();
	for (int i = 0; i < size; i++)
		A[MSG_OFF + i] = (char)i;
	uint64_t seq = 1;
	long tries = 0;
	while (round_trip(seq++, size, 1) != 0) /* until the echo has bound its port */
		if (++tries > 500) {
			say("dds-pingpong", "the echo never answered");
			return 1;
		}
	uint64_t per[MAX_ROUNDS];
	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = plib_rdtsc();
		for (long i = 0; i < iters; i++)
			if (round_trip(seq++, size, 100) != 0) {
				say("dds-pingpong", "a message was lost");
				return 1;
			}
		per[r] = (plib_rdtsc() - t0) / iters;
	}
	plib_report_rounds("rtt_cycles", per, rounds);
	put_msg(A, KIND_STOP, 0);
	send_to(PING_PORT, echo_ip, ECHO_PORT, sizeof(struct msg));
	plib_metric("drops", plib_call(NET_STAT, NET_STAT_DROPS, 0, 0, 0));
	plib_metric("rejected_frames", plib_call(NET_STAT, NET_STAT_REJECTED, 0, 0, 0));
	return 0;
}
