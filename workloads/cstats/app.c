/* app.c - cstats: the application generates each round's numbers with
 * stats_input (its own copy of stats.c: snprintf and doubles in the
 * application too), has the protected library summarise them, and prints
 * the report with printf, exactly as native.c does. */
#include <stdio.h>
#include <string.h>

#include "plib.h"

#include "cstats.h"
#include "stats.h"

PLIB_LIBRARY_HEAP(64 << 10);

static char in[CSTATS_INPUT_MAX];

int main(void)
{
	char *args = plib_args(CSTATS_LIB);
	if (cstats_clocks_work() != 0 || plib_call(PLIB_ENTRY(CSTATS_LIB, 1), 0, 0, 0, 0) != 0)
		return 3; /* the application's or the library's libc has no clock */
	for (int r = 0; r < CSTATS_ROUNDS; r++) {
		long n = stats_input(in, sizeof in, CSTATS_SEED + r, CSTATS_COUNT(r));
		if (n < 0)
			return 1;
		memcpy(args, in, (size_t)n);
		long out_off = CSTATS_INPUT_MAX;
		if (plib_call(PLIB_ENTRY(CSTATS_LIB, 0), 0, n, out_off, 0) < 0)
			return 2;
		printf("round %d\n%s", r, args + out_off);
	}
	fflush(stdout);
	return 0;
}
