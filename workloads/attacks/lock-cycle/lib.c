/* bank: attack-lock-cycle's library. transfer(a, b) takes account a's
 * lock, then b's (plib_lock.h), the textbook lock-order bug: two
 * instances calling transfer(0, 1) and transfer(1, 0) at once each hold
 * one lock and wait on the other's, forever. Each waiter asks
 * plib_app_alive about the other, which is alive and has a call open. */
#include "api.h"
#include "plib_lock.h"

PLIB_LIBRARY_HEAP(4096);

static long locks[2];
static long holding; /* instances that hold their first lock */
static long arrived; /* instances ready to call transfer */

static void took_over(long dead) { (void)dead; }

static long transfer(long a, long b, long a2, long a3)
{
	(void)a2, (void)a3;
	a &= 1, b &= 1;
	plib_lock(&locks[a], took_over);
	__atomic_add_fetch(&holding, 1, __ATOMIC_SEQ_CST);
	/* wait, bounded (~0.1 s of TSC), for the other instance to hold its
	 * first lock, so the cycle forms every run */
	for (uint64_t t = plib_rdtsc(); __atomic_load_n(&holding, __ATOMIC_SEQ_CST) < 2 && plib_rdtsc() - t < 200000000ull;)
		__asm__ volatile("pause"); /* spin-wait hint */
	plib_lock(&locks[b], took_over);
	plib_unlock(&locks[b]);
	plib_unlock(&locks[a]);
	return 0;
}

static long arrive(long a0, long a1, long a2, long a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
}

static long count(long a0, long a1, long a2, long a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return __atomic_load_n(&arrived, __ATOMIC_SEQ_CST);
}

/* Never returns, takes no lock: only asks now and then whether instance
 * other still runs, as plib_lock.h's waiter does. */
static long ask(long other, long a1, long a2, long a3)
{
	(void)a1, (void)a2, (void)a3;
	for (;;) {
		for (uint64_t t = plib_rdtsc(); plib_rdtsc() - t < 10000000ull;)
			__asm__ volatile("pause"); /* spin-wait hint */
		plib_app_alive(other);
	}
	return 0;
}

PLIB_EXPORT(0, transfer);
PLIB_EXPORT(1, arrive);
PLIB_EXPORT(2, count);
PLIB_EXPORT(3, ask);
