/* cstats.h - what the application and native.c both run: CSTATS_ROUNDS
 * rounds, round r of CSTATS_COUNT(r) numbers from seed CSTATS_SEED + r. */
#ifndef CSTATS_H
#define CSTATS_H
#define CSTATS_ROUNDS 4
#define CSTATS_SEED 2026u
#define CSTATS_COUNT(r) (10 + 700 * (r))
#define CSTATS_INPUT_MAX (64 << 10)
#define CSTATS_OUTPUT_MAX 1024
#define CSTATS_LIB 1

#include <time.h>

/* cstats_clocks_work: 0 when libc's clocks answer: time() after 2023,
 * CLOCK_MONOTONIC never going back, clock_gettime refusing a clock it
 * does not offer (EINVAL); a small non-zero code says which failed. */
static inline int cstats_clocks_work(void)
{
	struct timespec a, b;
	if (time(NULL) < 1700000000)
		return 1;
	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0 || clock_gettime(CLOCK_MONOTONIC, &b) != 0)
		return 2;
	if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec) || a.tv_nsec >= 1000000000)
		return 3;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0)
		return 4;
	return 0;
}
#endif
