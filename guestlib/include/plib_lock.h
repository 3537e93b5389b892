/* plib_lock.h: a library's lock, shared by its application instances
 * (PLIB_APPS), that survives a holder that died mid-call. A dead holder
 * (its instance killed, or stopped past its call budget) cannot release
 * it: after a while of spinning, a waiter asks the platform whether the
 * holder's instance still runs, and if not takes the lock over and calls
 * took_over(dead instance) to bring the library's state back to a
 * consistent one before it goes on. */
#ifndef PLIB_LOCK_H
#define PLIB_LOCK_H

#include "plib.h"

/* Takes the lock at word (0, or the holder's instance + 1). */
static inline void plib_lock(long *word, void (*took_over)(long dead))
{
	long me = plib_app_id() + 1;
	for (uint64_t spins = 1;; spins++) {
		long owner = 0;
		if (__atomic_compare_exchange_n(word, &owner, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		/* now and then: is the holder's instance gone? (a platform call) */
		if (spins % (1u << 18) == 0 && owner > 0 && owner != me && plib_app_alive(owner - 1) == 0 &&
		    __atomic_compare_exchange_n(word, &owner, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			took_over(owner - 1);
			return;
		}
		__asm__ volatile("pause"); /* spin-wait hint: yields the core's pipeline */
	}
}

/* Releases the lock at word. */
static inline void plib_unlock(long *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

#endif
