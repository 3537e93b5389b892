/* net_attack.h - what the attacks on the net library share: two
 * application instances of one image (PLIB_APPS(2)), instance 0 the
 * victim, instance 1 the attacker, both using the net library through
 * its API only, as dds-pingpong does. The victim binds its ports first
 * and announces itself to the attacker's port until the attacker says
 * GO, so that the attack always runs against ports the victim holds. */
#ifndef NET_ATTACK_H
#define NET_ATTACK_H
#include "../net/app_util.h"

PLIB_APPS(2);

#define VICTIM_PORT 7600
#define VICTIM_PORT2 7601
#define ATTACKER_PORT 7602
#define KIND_READY 0x59444552  /* "REDY" */
#define KIND_GO 0x20204f47     /* "GO  " */
#define KIND_DONE 0x454e4f44   /* "DONE" */
#define KIND_SECRET 0x54524353 /* "SCRT": the victim's own traffic */

static char *A __attribute__((unused));

/* Datagrams the victim got claiming to come from its own ports: it
 * sends none to itself from VICTIM_PORT2, and none at all before GO. */
static long forged __attribute__((unused));

static inline void note_forged(void)
{
	struct net_hdr h = got_hdr(A);
	if (h.src_port == VICTIM_PORT2 || (h.src_port == VICTIM_PORT && got_msg(A).kind != KIND_SECRET))
		forged++;
}

static inline long bind_or_fail(long port)
{
	long r = plib_call(NET_BIND, port, 0, 0, 0);
	if (r != 0)
		say("net attack", r == NET_ENODEV ? "no NIC in this run" : "bind failed");
	return r;
}

/* The victim: announces READY to the attacker (every 10 ms) until the
 * attacker answers GO. 0, or -1 after 3 s. */
static inline int victim_ready(void)
{
	for (int i = 0; i < 300; i++) {
		put_msg(A, KIND_READY, (uint64_t)i);
		send_to(VICTIM_PORT, NET_MY_IP, ATTACKER_PORT, sizeof(struct msg));
		for (;;) {
			long r = recv_wait(1);
			if (r < 0)
				break;
			note_forged();
			if (got_msg(A).kind == KIND_GO)
				return 0;
		}
	}
	say("net attack victim", "the attacker never answered");
	return -1;
}

/* The attacker: waits for the victim's READY. 0, or -1 after 3 s. */
static inline int attacker_wait_ready(void)
{
	for (;;) {
		long r = recv_wait(300);
		if (r < 0) {
			say("net attack", "the victim never announced itself");
			return -1;
		}
		if (got_msg(A).kind == KIND_READY)
			return 0;
	}
}

/* Sends kind from port sport to the victim's port. */
static inline long tell(long sport, long dport, uint32_t kind)
{
	put_msg(A, kind, 0);
	return send_to(sport, NET_MY_IP, dport, sizeof(struct msg));
}
#endif
