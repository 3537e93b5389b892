/* attack-nested-hang: the application calls library outer, which calls
 * library inner with crafted input that keeps it busy for `seconds` (10 by
 * default). The call budget must reach the library-to-library call too:
 * the run is stopped at the budget with a library blamed, whoever timed
 * the call before. With raw=1, under the process backend, the app does
 * not wait in its gate (where the budget used to be kept): it posts the
 * call on its request page itself and spins on the page. Exit 66 (not
 * stopped): the call came back. */
#include "api.h"

/* Posts entry(a0) on this process's request page to outer, without the
 * gate, and waits for the answer by spinning on the page. The post makes
 * no wake-up (only the gate can), so it is made right after a call that
 * outer answered at once, while outer still spins on its channels; if
 * outer went to sleep first (it marks ASLEEP on the page, and clears it
 * before it serves anything), the post is taken back and tried again. */
static long raw_call(uint64_t req, long entry, long a0)
{
	volatile uint32_t *state = (volatile uint32_t *)(uintptr_t)(req + PLIB_REQ_STATE);
	volatile uint32_t *asleep = (volatile uint32_t *)(uintptr_t)(req + PLIB_REQ_ASLEEP);
	for (int try = 0; try < 1000; try++) {
		plib_call(OUTER_NOP, 0, 0, 0, 0); /* answered at once: outer spins on from here */
		*(volatile long *)(uintptr_t)(req + PLIB_REQ_ENTRY) = entry;
		*(volatile long *)(uintptr_t)(req + PLIB_REQ_ARGS) = a0;
		*state = PLIB_REQ_CALL;
		__atomic_fetch_add((uint32_t *)(uintptr_t)(req + PLIB_REQ_BELL), 1, __ATOMIC_SEQ_CST);
		for (uint64_t t = plib_rdtsc(); plib_rdtsc() - t < 50000000;) /* a few tens of ms */
			__asm__ volatile("pause");
		if (!*asleep)
			break; /* outer took it: it is serving it */
		*state = PLIB_REQ_IDLE; /* outer slept through it: take it back */
	}
	while (*state != PLIB_REQ_DONE)
		__asm__ volatile("pause"); /* bounded only by --timeout */
	return *(volatile long *)(uintptr_t)(req + PLIB_REQ_RESULT);
}

int main(void)
{
	long cycles = plib_param("seconds", 10) * plib_param("tsc_mhz", 2000) * 1000000;
	uint64_t req = plib_header(PLIB_HDR_REQ + 8 * PLIB_LIB_OUTER);
	plib_print("attack-nested-hang: app -> outer -> inner, which runs for seconds\n");
	long r = plib_param("raw", 0) && req ? raw_call(req, OUTER_VIA, cycles) : plib_call(OUTER_VIA, cycles, 0, 0, 0);
	plib_metric("returned", r);
	return PLIB_ATTACK_WON;
}
