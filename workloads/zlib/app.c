/* app.c - zlib: the driver (driver.c) with every compress, uncompress
 * and crc32 a call into the protected library, its data through the
 * library's argument area; it prints exactly what native.c prints. With
 * param rounds > 0 (vmm compare's), it then times compressing 64 KiB of
 * text at level 6 and uncompressing it again (compress_64k_cycles,
 * uncompress_64k_cycles: cycles per call, copies included), checking
 * every answer. Before that, it makes calls no honest caller makes
 * (hostile): each must be refused, and the library must work after them;
 * it prints only what is wrong, so the output stays native.c's. */
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

/* Malformed calls, each with the answer the library must give: the
 * number of wrong answers (each printed). */
static long hostile(void)
{
	long area = (long)plib_args_size(ZW_LIB), bad = 0;
	struct {
		int fn;
		long a0, a1, a2, a3, want;
	} calls[] = {
		{ZW_COMPRESS, 0, ZW_OUT_MAX + 1, ZW_OUT_OFF, 6, ZW_ERANGE},   /* longer than its private copy */
		{ZW_COMPRESS, 0, area, ZW_OUT_OFF, 6, ZW_ERANGE},             /* the whole argument area */
		{ZW_COMPRESS, 0, ZW_MAX + 1, ZW_OUT_OFF, 6, ZW_ERANGE},       /* longer than an input may be */
		{ZW_COMPRESS, area - 16, 100, ZW_OUT_OFF, 6, ZW_ERANGE},      /* past the area's end */
		{ZW_COMPRESS, -1, 100, ZW_OUT_OFF, 6, ZW_ERANGE},             /* a negative offset */
		{ZW_COMPRESS, 0, -1, ZW_OUT_OFF, 6, ZW_ERANGE},               /* a negative length */
		{ZW_COMPRESS, 0, 4096, area - 16, 6, ZW_ERANGE},              /* the output past the end */
		{ZW_COMPRESS, 0, 4096, ZW_OUT_OFF, (1L << 32) | 6, -2},       /* a level an int cast makes 6 */
		{ZW_UNCOMPRESS, 0, ZW_OUT_MAX + 1, ZW_OUT_OFF, ZW_MAX, ZW_ERANGE},
		{ZW_UNCOMPRESS, 0, 100, ZW_OUT_OFF, ZW_MAX + 1, ZW_ERANGE},   /* more room than it holds */
		{ZW_UNCOMPRESS, 0, 100, ZW_OUT_OFF, -1, ZW_ERANGE},
		{ZW_CRC32, 0, ZW_OUT_MAX + 1, 0, 0, ZW_ERANGE},
		{ZW_CRC32, 0, area, 0, 0, ZW_ERANGE},
		{ZW_CRC32, 1L << 62, 16, 0, 0, ZW_ERANGE},                    /* an offset whose end wraps */
	};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		long r = plib_call(PLIB_ENTRY(ZW_LIB, calls[i].fn), calls[i].a0, calls[i].a1, calls[i].a2, calls[i].a3);
		if (r != calls[i].want) {
			printf("hostile call %zu: got %ld, want %ld\n", i, r, calls[i].want);
			bad++;
		}
	}
	return bad;
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
	long wrong = hostile();
	int bad = zw_run(&ops);
	fflush(stdout);
	if (iters < 1 || rounds < 0 || rounds > MAX_ROUNDS)
		return 2;
	if (rounds > 0 && bench(iters, rounds) != 0)
		return 1;
	return bad || wrong ? 1 : 0;
}
