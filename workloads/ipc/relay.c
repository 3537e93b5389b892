/* relay.c - library A: answers locally, or by calling library B through
 * the gate (a library calling a library crosses a gate like any caller). */
#include "api.h"

PLIB_LIBRARY_HEAP(4096);

static long relay_local(long x, long a1, long a2, long a3)
{
	return x + 1;
}

static long relay_via_echo(long x, long a1, long a2, long a3)
{
	return plib_call(ECHO, x, 0, 0, 0) + 1;
}

PLIB_EXPORT(0, relay_local);
PLIB_EXPORT(1, relay_via_echo);
