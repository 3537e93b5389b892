#include "api.h"

PLIB_LIBRARY_HEAP(4096);

static long down(long x, long depth, long a2, long a3)
{
	if (depth == 3)
		return plib_call(A_LEAF, x, 0, 0, 0); /* back into a, two calls up */
	return x;
}

PLIB_EXPORT(0, down);
