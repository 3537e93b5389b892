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
		if (m.kind == KIND_PING) { /* the sender looks for us */
			put_msg(A, KIND_ACK, got);
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

/* Waits for an acknowledgement; -1 if none comes within 1 s. */
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
	for (long tries = 0;; tries++) { /* until the receiver has bound its port and answers */
		put_msg(A, KIND_PING, 0);
		send_to(SEND_PORT, NET_MY_IP, RECV_PORT, sizeof(struct msg));
		if (recv_wait(1) >= 0 && got_msg(A).kind == KIND_ACK)
			break;
		if (tries > 500) {
			say("dds-throughput", "the receiver never answered");
			return 1;
		}
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
