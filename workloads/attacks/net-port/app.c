/* app.c - attack-net-port: an application of the net library tries to
 * take the port another application bound: it binds it, unbinds it,
 * binds it again, then receives while the victim sends datagrams to that
 * port. The library keeps a port its binder's until the binder unbinds
 * it or ends (NET_EADDRINUSE, NET_EPERM), and net_recv has no port to
 * name: each application receives only its own queue. Exit 74: every
 * attempt refused, no datagram of the victim's reached the attacker and
 * the victim got all of its own; 66: one went through. */
#include "../net_attack.h"

#define NSECRET 8

static int victim(void)
{
	if (bind_or_fail(VICTIM_PORT) || victim_ready())
		return 1;
	long got = 0;
	for (long i = 0; i < NSECRET; i++) {
		put_msg(A, KIND_SECRET, (uint64_t)i);
		if (send_to(VICTIM_PORT, NET_MY_IP, VICTIM_PORT, sizeof(struct msg)) < 0)
			return 1;
	}
	while (got < NSECRET && recv_wait(50) >= 0)
		got += got_msg(A).kind == KIND_SECRET;
	tell(VICTIM_PORT, ATTACKER_PORT, KIND_DONE);
	plib_metric("victim_got", got);
	if (got != NSECRET) {
		say("attack-net-port victim", "its own datagrams went elsewhere");
		return PLIB_ATTACK_WON;
	}
	return 0;
}

static int attacker(void)
{
	if (bind_or_fail(ATTACKER_PORT) || attacker_wait_ready())
		return 1;
	long b = plib_call(NET_BIND, VICTIM_PORT, 0, 0, 0);
	long u = plib_call(NET_UNBIND, VICTIM_PORT, 0, 0, 0);
	long b2 = plib_call(NET_BIND, VICTIM_PORT, 0, 0, 0);
	plib_metric("bind", b);
	plib_metric("unbind", u);
	plib_metric("bind_again", b2);
	tell(ATTACKER_PORT, VICTIM_PORT, KIND_GO);
	long stolen = 0;
	for (;;) {
		if (recv_wait(300) < 0) {
			say("attack-net-port", "the victim never finished");
			return 1;
		}
		struct msg m = got_msg(A);
		stolen += m.kind == KIND_SECRET || got_hdr(A).dst_port == VICTIM_PORT;
		if (m.kind == KIND_DONE)
			break;
	}
	plib_metric("stolen", stolen);
	if (b == 0 || u == 0 || b2 == 0 || stolen) {
		say("attack-net-port", "took the victim's port or its datagrams");
		return PLIB_ATTACK_WON;
	}
	say("attack-net-port", "bind, unbind and receive on the victim's port refused");
	return 74;
}

int main(void)
{
	A = plib_args(NET_LIB);
	return plib_app_id() == 0 ? victim() : attacker();
}
