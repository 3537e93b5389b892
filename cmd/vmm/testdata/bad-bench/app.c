/* app.c - reports, per round, 0 cycles, a negative count and a real
 * figure (the cycles an empty loop of 100 steps takes). */
#include "plib.h"

int main(void)
{
	long rounds = plib_param("rounds", 7);
	uint64_t zero[64], neg[64], fine[64];

	if (rounds < 1 || rounds > 64)
		return 2;
	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = plib_rdtsc();
		for (volatile int i = 0; i < 100; i++)
			;
		fine[r] = plib_rdtsc() - t0 + 1;
		zero[r] = 0;
		neg[r] = (uint64_t)-5;
	}
	plib_report_rounds("zero_cycles", zero, rounds);
	plib_report_rounds("negative_cycles", neg, rounds);
	plib_report_rounds("fine_cycles", fine, rounds);
	return 0;
}
