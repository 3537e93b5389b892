/* app.c - the null workload: an app calling an empty library function.
 *
 * Params: iterations (calls per round), rounds, sys (0: skip the platform
 * calls, for soaks that count library calls only), samples (1: also
 * report every round). Reports the median over
 * rounds of the cycles per library round trip and per empty platform
 * call (under vmfunc: one port-I/O exit), measured interleaved in one run,
 * and of the vector-state clear the mprotect, pku and vmfunc gates make in
 * and out of every call (scrub.S: the gates' own macros, called from the
 * application, less an empty call; the same instructions under every
 * backend, the part of a call's cost they are under those three).
 */
#include "api.h"

#define MAX_ROUNDS 64

int main(void)
{
	long iters = plib_param("iterations", 2000);
	long rounds = plib_param("rounds", 9);
	long with_sys = plib_param("sys", 1);
	long with_scrub = plib_param("scrub", 1);
	uint64_t call[MAX_ROUNDS], sys[MAX_ROUNDS], scrub[MAX_ROUNDS];

	if (iters < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
		plib_print("null: iterations must be >= 1 and rounds in 1..64\n");
		return 2;
	}
	if (plib_call(NULL_ADD, 40, 2, 0, 0) != 42) {
		plib_print("null: add(40, 2) through the gate did not return 42\n");
		return 1;
	}
	for (long i = 0; i < iters / 10 + 1; i++) /* warm up */
		plib_call(NULL_NOOP, 0, 0, 0, 0);

	long calls = 0;
	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = plib_rdtsc();
		for (long i = 0; i < iters; i++)
			plib_call(NULL_NOOP, i, 0, 0, 0);
		uint64_t t1 = plib_rdtsc();
		for (long i = 0; with_sys && i < iters; i++)
			plib_nop();
		uint64_t t2 = plib_rdtsc();
		for (long i = 0; with_scrub && i < iters; i++)
			null_scrub();
		uint64_t t3 = plib_rdtsc();
		for (long i = 0; with_scrub && i < iters; i++)
			null_empty();
		uint64_t t4 = plib_rdtsc();
		call[r] = (t1 - t0) / iters;
		sys[r] = (t2 - t1) / iters;
		scrub[r] = (t3 - t2) > (t4 - t3) ? ((t3 - t2) - (t4 - t3)) / iters : 0;
		calls += iters;
	}
	plib_metric("calls", calls + iters / 10 + 2);
	plib_report_rounds("call_cycles", call, rounds);
	plib_report_rounds("sys_nop_cycles", sys, rounds);
	if (with_scrub)
		plib_report_rounds("scrub_cycles", scrub, rounds);
	return 0;
}
