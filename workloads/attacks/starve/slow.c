/* inner.c - attack-nested-hang's second library: runs as long as its
 * caller asks (crafted input), then answers. */
#include "api.h"

PLIB_LIBRARY_HEAP(4096);

static long spin(long cycles, long a1, long a2, long a3)
{
	for (uint64_t t = plib_rdtsc(); plib_rdtsc() - t < (uint64_t)cycles;)
		__asm__ volatile("pause"); /* spin-wait hint */
	return 7;
}

PLIB_EXPORT(0, spin);
