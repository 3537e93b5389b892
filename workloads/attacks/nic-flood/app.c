/* attack-nic-flood: two instances share the net library (PLIB_APPS(2)).
 * Instance 1 (the victim) binds port 7500 and, in rounds, sends 16
 * datagrams to itself through the NIC's loop (half its queue quota),
 * works ~20 ms without calling the library, then reads them back; it
 * counts the lost ones (`messages` in all). Instance 0 (the
 * attacker) binds port 9000 and, with flood=1, sends to it as fast as
 * the library lets it and never calls net_recv, so the RX ring (128
 * slots shared by every application) stays full of its frames and the
 * device drops whatever else arrives. The README promises "a flood of
 * one application's port drops that port's datagrams, no one else's".
 * 66: the victim lost datagrams while the attacker flooded; 69: it lost
 * none (the library now delivers one-host datagrams itself, so the
 * flood never reaches the ring). */
#include "../../net/app_util.h"

PLIB_APPS(2);

static char *A;

int main(void)
{
	A = plib_args(NET_LIB);
	long me = plib_app_id();
	long flood = plib_param("flood", 1), n = plib_param("messages", 2000);
	if (me == 0) {
		if (plib_call(NET_BIND, 9000, 0, 0, 0) != 0)
			return 1;
		if (plib_call(NET_BIND, 9001, 0, 0, 0) != 0)
			return 1;
		put_msg(A, KIND_DATA, 0);
		long sent = 0;
		uint64_t t0 = plib_rdtsc();
		/* flood for about 20 s of TSC (a 2-3 GHz clock), or idle as long */
		while (plib_rdtsc() - t0 < 50000000000ull) {
			if (flood) {
				if (plib_call(NET_SEND, 9001 | 9000L << 16, NET_MY_IP, MSG_OFF, 12) == 12)
					sent++;
			} else {
				plib_nic_wait(0, PLIB_NIC_WAIT_MAX_US);
			}
			if (plib_app_alive(1) == 0)
				break;
		}
		plib_metric("attacker_sent", sent);
		return 0;
	}
	if (plib_call(NET_BIND, 7500, 0, 0, 0) != 0)
		return 1;
	/* let the attacker start */
	for (uint64_t t0 = plib_rdtsc(); plib_rdtsc() - t0 < 500000000ull;)
		;
	long lost = 0;
	/* Rounds of 16 datagrams (half its queue quota of 32): sent to itself,
	   then 20 ms of its own work, then read back. */
	for (long base = 0; base < n; base += 16) {
		for (uint64_t t0 = plib_rdtsc(); plib_rdtsc() - t0 < 50000000ull;)
			; /* its own work: it does not read the network meanwhile */
		for (long i = 0; i < 16; i++) {
			put_msg(A, KIND_PING, (uint64_t)(base + i + 1));
			send_to(7500, NET_MY_IP, 7500, 12);
		}
		for (uint64_t t0 = plib_rdtsc(); plib_rdtsc() - t0 < 50000000ull;)
			;
		long got = 0;
		for (int w = 0; w < 5; w++) {
			long r = plib_call(NET_RECV, OUT_OFF, OUT_CAP, 0, 0);
			while (r >= 0) {
				got += got_msg(A).kind == KIND_PING && seq_of(got_msg(A)) > (uint64_t)base;
				r = plib_call(NET_RECV, OUT_OFF, OUT_CAP, 0, 0);
			}
			if (got >= 16)
				break;
			if (net_empty(r))
				plib_nic_wait(net_token(r), PLIB_NIC_WAIT_MAX_US);
		}
		lost += 16 - got;
	}
	plib_metric("victim_sent", n);
	plib_metric("victim_lost", lost);
	plib_metric("victim_drops_own_queue", plib_call(NET_STAT, NET_STAT_DROPS, 0, 0, 0));
	if (lost && flood) {
		plib_print("attack-nic-flood: the victim lost datagrams to another application's flood\n");
		return PLIB_ATTACK_WON;
	}
	return lost ? 1 : PLIB_ATTACK_DEFEATED;
}
