/* app.c - zlib: the driver (driver.c) with every compress, uncompress
 * and crc32 a call into the protected library, its data through the
 * library's argument area; it prints exactly what native.c prints. With
 * param rounds > 0 (vmm compare's), it then times compressing 64 KiB of
 * text at level 6 and uncompressing it again (compress_64k_cycles,
 * uncompress_64k_cycles: cycles per call, copies included), checking
 * every answer. */
#include <stdio.h>
#include <string.h>

#include "plib.h"

#include "driver.h"
#include "zlibw.h"

PLIB_LIBRARY_HEAP(64 << 10);

/* Copies n bytes to the argument area's input and makes the call. */
static long call(int fn, const unsigned char *src, long n, long a2, long a3)
{
	memcpy(plib_args(ZW_LIB) + ZW_IN_OFF, src, (size_t)n);
	return plib_call(PLIB_ENTRY(ZW_LIB, fn), ZW_IN_OFF, n, a2, a3);
}

/* The result's bytes from the argument area's output; a length past
 * what dst holds is the library's error, never copied. */
static long result(unsigned char *dst, long cap, long r)
{
	if (r > cap)
		return ZW_ERANGE;
	if (r > 0)
		memcpy(dst, plib_args(ZW_LIB) + ZW_OUT_OFF, (size_t)r);
	return r;
}

static long lib_compress(unsigned char *dst, const unsigned char *src, long n, long level)
{
	return result(dst, ZW_OUT_MAX, call(ZW_COMPRESS, src, n, ZW_OUT_OFF, level));
}

static long lib_uncompress(unsigned char *dst, long cap, const unsigned char *src, long n)
{
	return result(dst, cap, call(ZW_UNCOMPRESS, src, n, ZW_OUT_OFF, cap));
}

static long lib_crc32(const unsigned char *src, long n)
{
	return call(ZW_CRC32, src, n, 0, 0);
}

#define MAX_ROUNDS 32
#define BENCH_LEN (64 << 10)

static unsigned char text[BENCH_LEN], comp[ZW_OUT_MAX], back[BENCH_LEN];

/* The timed rounds: the number of wrong answers. */
static long bench(long iters, long rounds)
{
	uint64_t c[MAX_ROUNDS], u[MAX_ROUNDS];
	long bad = 0;
	zw_input(text, BENCH_LEN, 0, 64u);
	long n = lib_compress(comp, text, BENCH_LEN, 6);
	if (n <= 0)
		return 1;
	for (long r = 0; r < rounds; r++) {
		uint64_t t0 = plib_rdtsc();
		for (long i = 0; i < iters; i++)
			bad += lib_compress(comp, text, BENCH_LEN, 6) != n;
		uint64_t t1 = plib_rdtsc();
		for (long i = 0; i < iters; i++)
			bad += lib_uncompress(back, BENCH_LEN, comp, n) != BENCH_LEN;
		uint64_t t2 = plib_rdtsc();
		bad += memcmp(back, text, BENCH_LEN) != 0;
		c[r] = (t1 - t0) / (uint64_t)iters;
		u[r] = (t2 - t1) / (uint64_t)iters;
	}
	plib_report_rounds("compress_64k_cycles", c, rounds);
	plib_report_rounds("uncompress_64k_cycles", u, rounds);
	plib_metric("wrong_answers", bad);
	return bad;
}

int main(void)
{
	static const struct zw_ops ops = {lib_compress, lib_uncompress, lib_crc32};
	long iters = plib_param("iterations", 20), rounds = plib_param("rounds", 0);
	int bad = zw_run(&ops);
	fflush(stdout);
	if (iters < 1 || rounds < 0 || rounds > MAX_ROUNDS)
		return 2;
	if (rounds > 0 && bench(iters, rounds) != 0)
		return 1;
	return bad ? 1 : 0;
}
