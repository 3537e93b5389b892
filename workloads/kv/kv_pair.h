/* kv_pair.h - what the kv workloads of two application instances
 * (PLIB_APPS(2): kill-mid-call, attack-lock-hold) share: a key set and
 * read through kv's argument area, and one instance waiting for a key
 * the other sets. */
#ifndef KV_PAIR_H
#define KV_PAIR_H
#include "kv.h"

static char *A; /* kv's argument area: main sets it to plib_args(KV_LIB) */

/* Sets key k to the n bytes at v. */
static inline long setv(const char *k, const char *v, long n)
{
	long kl = (long)plib_strlen(k);
	memcpy(A, k, kl);
	memcpy(A + 256, v, n);
	return plib_call(KV_SET, 0, kl, 256, n);
}

/* Reads key k into A + 512: its length, or a KV_ error. */
static inline long getv(const char *k)
{
	long kl = (long)plib_strlen(k);
	memcpy(A, k, kl);
	return plib_call(KV_GET, 0, kl, 512, 4096);
}

/* Waits for a key another instance sets: 1 once it is there, 0 after
 * about a minute of TSC (the run's --timeout ends it first). */
static inline int wait_for(const char *k)
{
	for (uint64_t t = plib_rdtsc(); plib_rdtsc() - t < 200000000000ull;)
		if (getv(k) > 0)
			return 1;
	return 0;
}

#endif
