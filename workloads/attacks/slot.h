/* slot.h - what the slot attacks need to write the handoff backend's
 * request slots themselves, bypassing the gate's call routine. */
#ifndef SLOT_H
#define SLOT_H
#include "plib.h"

/* The slot from the application (view 0) to library lib, or 0 where the
 * backend has no request slots (every backend but handoff). */
static inline volatile char *slot_to(int lib)
{
	if (!(plib_header(PLIB_HDR_SLOTMAP) & (1ull << lib)))
		return 0;
	return (volatile char *)(uintptr_t)(PLIB_HANDOFF_SLOTS + (uint64_t)lib * 4096);
}
#define SLOT_WORD(s, off) (*(volatile long *)((s) + (off)))
#define SLOT_STATE(s) (*(volatile unsigned *)((s) + PLIB_HO_STATE))

/* Post a request straight into slot s, as a hostile app would. */
static inline void slot_post4(volatile char *s, long entry, long a0, long a1, long a2, long a3)
{
	SLOT_WORD(s, PLIB_HO_ENTRY) = entry;
	SLOT_WORD(s, PLIB_HO_ARGS) = a0;
	SLOT_WORD(s, PLIB_HO_ARGS + 8) = a1;
	SLOT_WORD(s, PLIB_HO_ARGS + 16) = a2;
	SLOT_WORD(s, PLIB_HO_ARGS + 24) = a3;
	__atomic_store_n((unsigned *)(s + PLIB_HO_STATE), PLIB_HO_CALL, __ATOMIC_SEQ_CST);
	if (*(volatile unsigned *)(s + PLIB_HO_SLEEPS))
		plib_sys(PLIB_SYS_RING, (long)(((uintptr_t)s - PLIB_HANDOFF_SLOTS) / 4096 % 8), 0, 0);
}
#define slot_post(s, entry, a0) slot_post4(s, entry, a0, 0, 0, 0)

/* Wait for the answer to a request posted with slot_post. */
static inline long slot_wait(volatile char *s)
{
	while (SLOT_STATE(s) != PLIB_HO_DONE)
		;
	long r = SLOT_WORD(s, PLIB_HO_RESULT);
	SLOT_STATE(s) = PLIB_HO_IDLE;
	return r;
}
#endif
