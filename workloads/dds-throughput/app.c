/* app.c - dds-throughput: instance 0 streams `iterations` messages per
 * round to instance 1, keeping at most WINDOW unacknowledged (the
 * receiver's queue holds NET_QSHARE from any one other sender), first of 12 bytes, then of 4 KiB; it
 * reports msg_12_cycles and msg_4k_cycles (cycles per message delivered)
 * and messages per second. Instance 1 counts what it gets and
 * acknowledges every WINDOW / 3 messages and whenever its queue runs dry.
 * Params: iterations (default 200), rounds (default 3), samples. */
#include "../net/app_util.h"

PLIB_APPS(2);

#define SEND_PORT 7500
#define RECV_PORT 7501
#define WINDOW NET_QSHARE
#define MAX_ROUNDS 32
#define KIND_PONG 0x474e4f50 /* "PONG": the answer to a PING, with its number */

static char *A;

static int receiver(void)
{
	uint64_t got = 0, acked = 0;
	for (;;) {
		long r = plib_call(NET_RECV, OUT_OFF, OUT_CAP, 0, 0);
		if (net_empty(r) && got != acked) { /* dry: say how far we are */
			put_msg(A, KIND_ACK, got);
			send_to(RECV_PORT, NET_MY_IP, SEND_PORT, sizeof(struct msg));
			acked = got;
			continue;
		}
		if (net_empty(r))
			r = recv_wait(1000);
		if (r < 0) {
			say("dds-throughput receiver", "no message for 10 s");
			return 1;
		}
		struct msg m = got_msg(A);
		if (m.kind == KIND_STOP)
			return 0;
		if (m.kind == KIND_PING) { /* the sender looks for us: answer with its number */
			put_msg(A, KIND_PONG, seq_of(m));
			send_to(RECV_PORT, NET_MY_IP, SEND_PORT, sizeof(struct msg));
			continue;
		}
		if (m.kind != KIND_DATA || seq_of(m) != got + 1) {
			say("dds-throughput receiver", "a message out of order or lost");
			return 1;
		}
		if (++got - acked >= WINDOW / 3) {
			put_msg(A, KIND_ACK, got);
			send_to(RECV_PORT, NET_MY_IP, SEND_PORT, sizeof(struct msg));
			acked = got;
		}
	}
}

static uint64_t sent, acked;

/* Waits for an acknowledgement; -1 if none comes within 1 s. At most
 * WINDOW are ever unread, each with a different count within the
 * window, so the receiver's answers fit our queue's NET_QSHARE from it
 * (once the handshake has left none behind). */
static int await_ack(void)
{
	if (recv_wait(100) < 0)
		return -1;
	struct msg m = got_msg(A);
	if (m.kind == KIND_ACK && seq_of(m) > acked)
		acked = seq_of(m);
	return 0;
}

/* One round of iters messages of size bytes: cycles per message. */
static long stream(long iters, long size)
{
	uint64_t t0 = plib_rdtsc(), end = sent + (uint64_t)iters;
	while (sent < end) {
		while (sent - acked >= WINDOW)
			if (await_ack())
				return -1;
		put_msg(A, KIND_DATA, sent + 1);
		if (send_to(SEND_PORT, NET_MY_IP, RECV_PORT, size) != size)
			return -1;
		sent++;
	}
	while (acked < sent) /* every message delivered */
		if (await_ack())
			return -1;
	return (long)((plib_rdtsc() - t0) / (uint64_t)iters);
}

int main(void)
{
	A = plib_args(NET_LIB);
	long iters = plib_param("iterations", 200), rounds = plib_param("rounds", 3);
	recv_poll = (uint64_t)plib_param("poll_cycles", 0);
	if (iters < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
		say("dds-throughput", "bad parameters");
		return 2;
	}
	long me = plib_app_id();
	if (plib_call(NET_BIND, me ? RECV_PORT : SEND_PORT, 0, 0, 0) != 0) {
		say("dds-throughput", "bind failed (or no NIC in this run)");
		return 1;
	}
	if (me == 1)
		return receiver();
	for (int i = 0; i < 4096; i++)
		A[MSG_OFF + i] = (char)(i * 7);
	/* Until the receiver answers the last ping sent: pings go every
	 * 10 ms until it has bound its port and runs, and any it had not
	 * answered would take its queue's room from the stream's first
	 * window (and their answers ours), losing a message. Every ping
	 * sent before the last was answered before it or dropped, so none
	 * is left in either queue. ping_burst pings at a time make the
	 * backlog a loaded machine makes. */
	long burst = plib_param("ping_burst", 1);
	for (uint64_t n = 0, tries = 0;; tries++) {
		if (tries > 500) {
			say("dds-throughput", "the receiver never answered");
			return 1;
		}
		for (long k = 0; k < burst; k++) {
			put_msg(A, KIND_PING, ++n);
			send_to(SEND_PORT, NET_MY_IP, RECV_PORT, sizeof(struct msg));
		}
		uint64_t last = 0;
		while (last != n && recv_wait(1) >= 0)
			if (got_msg(A).kind == KIND_PONG)
				last = seq_of(got_msg(A));
		if (last == n)
			break;
	}
	static const long sizes[2] = {12, 4096};
	static const char *names[2] = {"msg_12_cycles", "msg_4k_cycles"};
	for (int s = 0; s < 2; s++) {
		uint64_t per[MAX_ROUNDS];
		for (long r = 0; r < rounds; r++) {
			long c = stream(iters, sizes[s]);
			if (c < 0) {
				say("dds-throughput", "the stream stalled (no acknowledgement for 1 s)");
				return 1;
			}
			per[r] = (uint64_t)c;
		}
		plib_report_rounds(names[s], per, rounds);
	}
	put_msg(A, KIND_STOP, 0);
	send_to(SEND_PORT, NET_MY_IP, RECV_PORT, sizeof(struct msg));
	plib_metric("drops", plib_call(NET_STAT, NET_STAT_DROPS, 0, 0, 0));
	return 0;
}
