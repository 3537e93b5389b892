/* echo.c - library B. */
#include "api.h"

PLIB_LIBRARY_HEAP(4096);

static long echo(long x, long a1, long a2, long a3)
{
	return x ^ 0x5a5a;
}

PLIB_EXPORT(0, echo);
