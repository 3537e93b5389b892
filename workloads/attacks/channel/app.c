/* app.c - attack-channel: forge what one library tells another. Under the
 * process backend a call travels on a request page; the app marks the
 * page it knows for the echo library DEAD (the word the calling gate
 * trusts to say echo's process is gone), then asks the relay library to
 * call echo. If the relay's channel to echo were the page the app can
 * write, the relay would get PLIB_ERR_LIB_DEAD from a live echo. Each
 * channel is mapped by its two ends only, so the app's write reaches its
 * own channel to echo and nothing else. Exit 72: every relayed answer was
 * echo's (defeated); 66: the relay believed the forgery. Under the other
 * backends there are no request pages: exit 67. */
#include "../../ipc/api.h"

int main(void)
{
	uint64_t req = plib_header(PLIB_HDR_REQ + 8 * ECHO_LIB); /* this process's page for echo */
	if (!req)
		return PLIB_ATTACK_NOT_APPLICABLE;
	*(volatile uint32_t *)(uintptr_t)(req + PLIB_REQ_DEAD) = 1;
	plib_print("attack-channel: marked the request page for echo dead; now relay -> echo\n");
	long forged = 0;
	for (long i = 0; i < 100; i++) {
		long r = plib_call(RELAY_VIA_ECHO, i, 0, 0, 0);
		forged += r == PLIB_ERR_LIB_DEAD + 1;
		if (r != (i ^ 0x5a5a) + 1 && r != PLIB_ERR_LIB_DEAD + 1)
			return 1;
	}
	plib_metric("forged_deaths", forged);
	return forged ? PLIB_ATTACK_WON : 72;
}
