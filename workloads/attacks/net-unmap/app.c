/* app.c - attack-net-unmap: the buffer-unmap attack on the net library.
 * The application hands the library a datagram to send from its argument
 * area, then unmaps that area through a borrowed "syscall; ret" (image
 * code may not contain SYSCALL: ../gadget.h) and sends from it again,
 * hoping to fault the library mid-copy. The library registers no buffer:
 * it copies the payload into its own memory during the call. Under the
 * host backends the image process's seccomp filter ends the run at the
 * munmap (SIGSYS); under vmfunc and handoff the application cannot change
 * its page tables and nothing is mapped to borrow from (the search
 * faults). Exit 68: munmap refused with EPERM and the library still
 * answers; 66: the area was unmapped and the send still went through. */
#include "../net_attack.h"
#include "../gadget.h"

#define SYS_MUNMAP 11

static int attacker(void)
{
	if (bind_or_fail(ATTACKER_PORT))
		return 1;
	put_msg(A, KIND_DATA, 1);
	if (send_to(ATTACKER_PORT, NET_MY_IP, ATTACKER_PORT, sizeof(struct msg)) < 0 || recv_wait(100) < 0)
		return 1;
	plib_print("attack-net-unmap: looking for a syscall; ret sequence to borrow\n");
	const unsigned char *gadget = find_syscall_ret();
	if (!gadget)
		return PLIB_ATTACK_NOT_APPLICABLE;
	long r = call_gadget(gadget, SYS_MUNMAP, (long)A, (long)plib_args_size(NET_LIB), 0, 0);
	plib_metric("munmap", r);
	long s = plib_call(NET_SEND, ATTACKER_PORT | (long)ATTACKER_PORT << 16, NET_MY_IP, MSG_OFF, sizeof(struct msg));
	plib_metric("send_after", s);
	if (r != -1) {
		plib_print("attack-net-unmap: the argument area was unmapped under the library\n");
		return PLIB_ATTACK_WON;
	}
	plib_print("attack-net-unmap: munmap of the area shared with the library refused\n");
	return PLIB_ATTACK_REFUSED;
}

int main(void)
{
	A = plib_args(NET_LIB);
	return plib_app_id() == 1 ? 0 : attacker(); /* instance 1 only keeps the library shared */
}
