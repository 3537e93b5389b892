/* lib.c - the vault: lookup(i) checks i against its public table, takes
 * its time (announcing that it started in the argument area), then reads
 * the table with the i it checked. The record after the table is secret. */
#include "plib.h"

PLIB_LIBRARY_HEAP(4096);

static struct {
	long table[4];
	long secret;
} vault = {{11, 22, 33, 44}, 0x5ec7e7};

static long lookup(long i, long a1, long a2, long a3)
{
	(void)a1, (void)a2, (void)a3;
	if (i < 0 || i >= 4)
		return -1;
	long started = 1;
	plib_copy_out(0, &started, sizeof started);
	for (uint64_t t = plib_rdtsc(); plib_rdtsc() - t < 200000;)
		;
	return vault.table[i];
}

static long marker(long a0, long a1, long a2, long a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return 0xbad;
}

PLIB_EXPORT(0, lookup);
PLIB_EXPORT(1, marker);
