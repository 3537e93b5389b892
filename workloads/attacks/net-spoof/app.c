/* app.c - attack-net-spoof: an application of the net library sends
 * datagrams from ports another application bound (and from port words
 * with bits above the two ports set, and from port 0), to the victim's
 * other port, hoping the victim takes them for its own. The library
 * sends only from ports the caller bound (NET_EPERM) and checks the
 * port word (NET_EINVAL). The victim counts every datagram that claims
 * one of its ports as its source: it sends none that way. Exit 75: every
 * send refused and nothing forged arrived; 66: one went through. */
#include "../net_attack.h"

static int victim(void)
{
	if (bind_or_fail(VICTIM_PORT) || bind_or_fail(VICTIM_PORT2) || victim_ready())
		return 1;
	for (;;) { /* until the attacker is done */
		if (recv_wait(300) < 0)
			return 1;
		note_forged();
		if (got_msg(A).kind == KIND_DONE)
			break;
	}
	plib_metric("forged", forged);
	if (forged) {
		say("attack-net-spoof victim", "got datagrams from its own ports that it never sent");
		return PLIB_ATTACK_WON;
	}
	return 0;
}

static int attacker(void)
{
	if (bind_or_fail(ATTACKER_PORT) || attacker_wait_ready())
		return 1;
	static const long words[] = {
		VICTIM_PORT | (long)VICTIM_PORT2 << 16,        /* the victim's port, to its other port */
		VICTIM_PORT2 | (long)VICTIM_PORT << 16,        /* and the other way */
		VICTIM_PORT | (long)VICTIM_PORT << 16,         /* to itself */
		VICTIM_PORT | (long)VICTIM_PORT2 << 16 | 1L << 32, /* a bit above the ports */
		ATTACKER_PORT | (long)VICTIM_PORT2 << 16 | (long)VICTIM_PORT << 32, /* the victim's port in the high word */
		0 | (long)VICTIM_PORT2 << 16,                  /* port 0 */
		7777 | (long)VICTIM_PORT2 << 16,               /* a port nobody bound */
	};
	long through = 0;
	put_msg(A, KIND_SECRET, 0); /* what the victim's own would say */
	for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++) {
		long r = plib_call(NET_SEND, words[i], NET_MY_IP, MSG_OFF, sizeof(struct msg));
		plib_metric("send", r);
		through += r >= 0;
	}
	tell(ATTACKER_PORT, VICTIM_PORT, KIND_GO);
	tell(ATTACKER_PORT, VICTIM_PORT2, KIND_DONE);
	if (through) {
		say("attack-net-spoof", "sent from the victim's port");
		return PLIB_ATTACK_WON;
	}
	say("attack-net-spoof", "every send from a port not its own refused");
	return 75;
}

int main(void)
{
	A = plib_args(NET_LIB);
	return plib_app_id() == 0 ? victim() : attacker();
}
