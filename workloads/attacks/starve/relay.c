/* outer.c - attack-nested-hang's first library: passes the call on to
 * the second, library to library. */
#include "api.h"

PLIB_LIBRARY_HEAP(4096);

static long via(long cycles, long a1, long a2, long a3)
{
	return plib_call(INNER_SPIN, 0, 0, 0, 0) + 1; /* a call that returns at once */
}

static long nop(long a0, long a1, long a2, long a3)
{
	return 0;
}

PLIB_EXPORT(0, via);
PLIB_EXPORT(1, nop);
