/* app.c - attack-net-flood: an application of the net library floods
 * both ports of another application, and the TX ring (datagrams to the
 * host's side of the TAP), as fast as the library lets it, while the
 * victim sends datagrams to itself, BURST at a time, and must get every
 * one. The library
 * lets any one sender other than a queue's owner hold at most half of
 * that queue (NET_QSHARE), and an application at most half the TX ring,
 * so the flood drops only the flooder's own datagrams. Exit 76: the
 * victim got all of its own; 66: the flood made it lose one. */
#include "../net_attack.h"

#define NOWN 64
#define BURST 4

static int victim(void)
{
	if (bind_or_fail(VICTIM_PORT) || bind_or_fail(VICTIM_PORT2) || victim_ready())
		return 1;
	long lost = 0;
	for (long i = 0; i < NOWN; i += BURST) { /* a burst, then its datagrams back */
		for (long k = i; k < i + BURST; k++) {
			put_msg(A, KIND_SECRET, (uint64_t)k);
			if (send_to(VICTIM_PORT, NET_MY_IP, VICTIM_PORT2, sizeof(struct msg)) < 0)
				return 1;
		}
		for (long got = 0; got < BURST;) { /* past the flood, to its own */
			if (recv_wait(20) < 0) {
				lost += BURST - got;
				break;
			}
			struct msg m = got_msg(A);
			got += m.kind == KIND_SECRET && seq_of(m) >= (uint64_t)i && seq_of(m) < (uint64_t)(i + BURST);
		}
	}
	tell(VICTIM_PORT, ATTACKER_PORT, KIND_DONE);
	plib_metric("lost", lost);
	plib_metric("victim_drops", plib_call(NET_STAT, NET_STAT_DROPS, 0, 0, 0));
	if (lost) {
		say("attack-net-flood victim", "the flood crowded out its own datagrams");
		return PLIB_ATTACK_WON;
	}
	return 0;
}

static int attacker(void)
{
	if (bind_or_fail(ATTACKER_PORT) || attacker_wait_ready())
		return 1;
	tell(ATTACKER_PORT, VICTIM_PORT, KIND_GO);
	put_msg(A, KIND_DATA, 0);
	long sent = 0, full = 0;
	for (long round = 0; round < 1000000; round++) {
		for (int k = 0; k < 16; k++) {
			long r1 = plib_call(NET_SEND, ATTACKER_PORT | (long)VICTIM_PORT << 16, NET_MY_IP, MSG_OFF, 1024);
			long r2 = plib_call(NET_SEND, ATTACKER_PORT | (long)VICTIM_PORT2 << 16, NET_MY_IP, MSG_OFF, 1024);
			long r3 = plib_call(NET_SEND, ATTACKER_PORT | 9L << 16, NET_IP(10, 77, 0, 1), MSG_OFF, 1024); /* discard, on the host */
			sent += (r1 >= 0) + (r2 >= 0) + (r3 >= 0);
			full += r3 == NET_EAGAIN;
		}
		long r = plib_call(NET_RECV, OUT_OFF, OUT_CAP, 0, 0);
		if (!net_empty(r) && r >= 0 && got_msg(A).kind == KIND_DONE) {
			plib_metric("flood_sent", sent);
			plib_metric("tx_share_full", full);
			say("attack-net-flood", "flooded; the victim still got its own datagrams");
			return 76;
		}
	}
	say("attack-net-flood", "the victim never finished");
	return 1;
}

int main(void)
{
	A = plib_args(NET_LIB);
	return plib_app_id() == 0 ? victim() : attacker();
}
