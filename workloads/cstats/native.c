/* native.c - the same statistics, built natively against the host's C
 * library (scripts/build: build/images/cstats.native): the protected
 * build's output must be byte-identical to this program's. */
#include <stdio.h>
#include <stdlib.h>

#include "cstats.h"
#include "stats.h"

int main(void)
{
	static char in[CSTATS_INPUT_MAX], out[CSTATS_OUTPUT_MAX];
	for (int r = 0; r < CSTATS_ROUNDS; r++) {
		long n = stats_input(in, sizeof in, CSTATS_SEED + r, CSTATS_COUNT(r));
		if (n < 0 || stats_report(in, out, sizeof out) < 0)
			return 1;
		printf("round %d\n%s", r, out);
	}
	return 0;
}
