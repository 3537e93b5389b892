#include "api.h"

PLIB_LIBRARY_HEAP(4096);

static long down(long x, long depth, long a2, long a3)
{
	return plib_call(B_DOWN, x, depth, 0, 0) + 1;
}

static long leaf(long x, long a1, long a2, long a3)
{
	return x + 1;
}

PLIB_EXPORT(0, down);
PLIB_EXPORT(1, leaf);
