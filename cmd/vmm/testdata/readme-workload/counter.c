/* counter.c - a library with two entry points: add and total. */
#include "plib.h"
#include "plib_ids.h"

static long sum;

static long add(long x, long a1, long a2, long a3)
{
	sum += x;
	return sum;
}

static long total(long a0, long a1, long a2, long a3)
{
	plib_printf("counter: total %ld\n", sum);
	return sum;
}

PLIB_EXPORT(0, add);
PLIB_EXPORT(1, total);
