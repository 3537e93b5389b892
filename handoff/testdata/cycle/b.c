#include "api.h"

PLIB_LIBRARY_HEAP(4096);

static long down(long x, long depth, long a2, long a3)
{
	if (depth == 2)
		return plib_call(A_LEAF, x, 0, 0, 0); /* back into a, which waits on us */
	return plib_call(C_DOWN, x, depth, 0, 0) + 1;
}

PLIB_EXPORT(0, down);
