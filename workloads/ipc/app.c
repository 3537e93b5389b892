/* app.c - the ipc workload: the app calls library A, which calls library
 * B and back (UnderBridge's cross-domain round trip). Reports the median
 * cycles of app->A (call_cycles) and of app->A->B->A->app (ipc_cycles);
 * the difference is the library-to-library round trip (nested_cycles).
 * Every answer is checked. Params: iterations, rounds. */
#include "api.h"

#define MAX_ROUNDS 32

int main(void)
{
	long iters = plib_param("iterations", 1000);
	long rounds = plib_param("rounds", 5);
	uint64_t local[MAX_ROUNDS], nested[MAX_ROUNDS];
	long bad = 0;
	if (iters < 1 || rounds < 1 || rounds > MAX_ROUNDS)
		return 2;
	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = plib_rdtsc();
		for (long i = 0; i < iters; i++)
			bad += plib_call(RELAY_LOCAL, i, 0, 0, 0) != i + 1;
		uint64_t t1 = plib_rdtsc();
		for (long i = 0; i < iters; i++)
			bad += plib_call(RELAY_VIA_ECHO, i, 0, 0, 0) != (i ^ 0x5a5a) + 1;
		uint64_t t2 = plib_rdtsc();
		local[r] = (t1 - t0) / iters;
		nested[r] = (t2 - t1) / iters;
	}
	plib_report_rounds("call_cycles", local, rounds);
	plib_report_rounds("ipc_cycles", nested, rounds);
	plib_metric("nested_cycles", (long)(nested[rounds / 2] - local[rounds / 2]));
	plib_metric("wrong_answers", bad);
	return bad != 0;
}
