/* The app posts outer.via() raw (outer then calls inner.spin(0), a call
 * that returns at once), and meanwhile keeps inner busy with its own calls
 * inner.spin(ms), each under the budget, reposted the instant one is done:
 * a serve loop that always looked at the app's channel (index 0) first
 * never served outer's call, and outer was blamed for the budget. Exit 0:
 * outer's call came back every time. */
#include "api.h"
#include "../slot.h"

static void raw_post(uint64_t req, long nop, long entry, long a0)
{
	volatile uint32_t *state = (volatile uint32_t *)(uintptr_t)(req + PLIB_REQ_STATE);
	volatile uint32_t *asleep = (volatile uint32_t *)(uintptr_t)(req + PLIB_REQ_ASLEEP);
	for (int try = 0; try < 1000; try++) {
		plib_call(nop, 0, 0, 0, 0);
		*(volatile long *)(uintptr_t)(req + PLIB_REQ_ENTRY) = entry;
		*(volatile long *)(uintptr_t)(req + PLIB_REQ_ARGS) = a0;
		*state = PLIB_REQ_CALL;
		__atomic_fetch_add((uint32_t *)(uintptr_t)(req + PLIB_REQ_BELL), 1, __ATOMIC_SEQ_CST);
		for (uint64_t t = plib_rdtsc(); plib_rdtsc() - t < 20000000;)
			__asm__ volatile("pause");
		if (!*asleep)
			return;
		*state = PLIB_REQ_IDLE;
	}
}

int main(void)
{
	long cycles = plib_param("ms", 600) * plib_param("tsc_mhz", 2000) * 1000;
	long hog = plib_param("hog", 1);
	long attempts = plib_param("attempts", 20);
	uint64_t ro = plib_header(PLIB_HDR_REQ + 8 * PLIB_LIB_OUTER);
	uint64_t ri = plib_header(PLIB_HDR_REQ + 8 * PLIB_LIB_INNER);
	if (!ro || !ri) {
		volatile char *hi = slot_to(PLIB_LIB_INNER), *ho = slot_to(PLIB_LIB_OUTER);
		if (!hi || !ho)
			return 1;
		plib_print("starve: handoff slots\n");
		slot_post(hi, INNER_SPIN, cycles);
		slot_post(ho, OUTER_VIA, 0);
		for (long n = 0;;) {
			if (hog)
				SLOT_STATE(hi) = PLIB_HO_CALL;
			if (SLOT_STATE(ho) == PLIB_HO_DONE) {
				plib_print("starve: outer's call came back\n");
				if (++n == attempts)
					return 0;
				SLOT_STATE(ho) = PLIB_HO_IDLE;
				slot_post(ho, OUTER_VIA, 0);
			}
		}
	}
	volatile uint32_t *so = (volatile uint32_t *)(uintptr_t)(ro + PLIB_REQ_STATE);
	volatile uint32_t *si = (volatile uint32_t *)(uintptr_t)(ri + PLIB_REQ_STATE);
	plib_print("starve: begin\n");
	/* first keep inner busy, then post outer.via raw */
	raw_post(ri, INNER_SPIN, INNER_SPIN, cycles);
	raw_post(ro, OUTER_NOP, OUTER_VIA, 0);
	long n = 0;
	for (;;) {
		if (hog)
			*si = PLIB_REQ_CALL; /* blind, back to back: inner's xchg DONE is overwritten before it looks again */
		if (*so == PLIB_REQ_DONE) {
			plib_print("starve: outer's call came back\n");
			if (++n == attempts) {
				plib_metric("attempts", n);
				plib_print("starve: outer's call came back every time\n");
				return 0;
			}
			*so = PLIB_REQ_IDLE;
			raw_post(ro, OUTER_NOP, OUTER_VIA, 0); /* and again: one won race is enough */
		}
	}
}
