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
#endif
