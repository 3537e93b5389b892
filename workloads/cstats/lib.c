/* lib.c - the statistics library (stats.c) as a protected library: its
 * one entry copies the text in, runs stats_report on its own heap, and
 * copies the report out. */
#include "plib.h"

#include "cstats.h"
#include "stats.h"

PLIB_LIBRARY_HEAP(1 << 20);

static char in[CSTATS_INPUT_MAX + 1], out[CSTATS_OUTPUT_MAX];

/* report(input offset, input length, output offset): the report's length,
 * or -1 (bad range, malformed number, no memory). */
static long report(long in_off, long in_len, long out_off, long a3)
{
	(void)a3;
	if (in_len < 0 || in_len > CSTATS_INPUT_MAX || plib_copy_in(in, (uint64_t)in_off, (uint64_t)in_len) < 0)
		return -1;
	in[in_len] = 0;
	long n = stats_report(in, out, sizeof out);
	if (n < 0 || plib_copy_out((uint64_t)out_off, out, (uint64_t)n + 1) < 0)
		return -1;
	return n;
}

PLIB_EXPORT(0, report);

/* clocks(): 0 when this domain's libc tells the time (cstats.h). */
static long clocks(long a0, long a1, long a2, long a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return cstats_clocks_work();
}

PLIB_EXPORT(1, clocks);
