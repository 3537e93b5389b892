/* attack-doorbell: under the process backend a library sleeps until a
 * caller rings; the caller makes a wake-up only if the library's "asleep"
 * word says so. The app lets echo fall asleep, then clears every "asleep"
 * word and doorbell of echo's it can write and asks the
 * relay library to call echo. If a word the relay's call depends on were
 * the app's to write, echo would sleep through the relay's ring and the
 * relay's call would hang and be blamed. Each channel has its own words,
 * mapped by its two ends only, so the app's writes delay only its own
 * calls. Exit 78: every relayed call was answered by echo (defeated).
 * Under the other backends there are no request pages: exit 67. */
#include "../../ipc/api.h"

/* Clears every doorbell word of echo's that this process can write: those
 * of its own channel to echo (it never calls echo itself, so that clearing
 * them costs it nothing). */
static void clear_words(void)
{
	uint64_t req = plib_header(PLIB_HDR_REQ + 8 * ECHO_LIB);
	*(volatile uint32_t *)(uintptr_t)(req + PLIB_REQ_ASLEEP) = 0;
	*(volatile uint32_t *)(uintptr_t)(req + PLIB_REQ_BELL) = 0;
}

int main(void)
{
	if (!plib_header(PLIB_HDR_REQ + 8 * ECHO_LIB))
		return PLIB_ATTACK_NOT_APPLICABLE;
	plib_print("attack-doorbell: clearing the doorbell words of our channels while relay -> echo\n");
	for (long i = 0; i < 20; i++) {
		/* Let both libraries fall asleep (past any spin), then clear. */
		for (uint64_t t = plib_rdtsc(); plib_rdtsc() - t < 50000000;)
			__asm__ volatile("pause");
		clear_words();
		if (plib_call(RELAY_VIA_ECHO, i, 0, 0, 0) != (i ^ 0x5a5a) + 1)
			return PLIB_ATTACK_WON;
		clear_words();
	}
	return 78;
}
