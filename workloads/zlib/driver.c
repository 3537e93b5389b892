/* driver.c - the cases the application and native.c both run
 * (driver.h). It calls zlib itself only for checksums it holds the
 * library's to (adler32, crc32: zlib's own, from the same archive). */
#include <stdio.h>
#include <string.h>

#include "../../build/thirdparty/zlib/include/zlib.h"

#include "driver.h"
#include "zlibw.h"

static const char *const kind_name[] = {"text", "random", "runs"};
static const long sizes[] = {0, 1, 1000, 4096, 65536, ZW_MAX};
static const int levels[] = {0, 1, 6, 9};

/* Aligned to 256 so its address's low byte is 0: the compiler indexes it
 * as disp32(,%reg,8), whose SIB byte cd followed by an address byte 80
 * reads as INT 80h, which the loader refuses at any offset. */
static const char *const words[] __attribute__((aligned(256))) = {
	"the", "of", "and", "library", "protected", "call", "gate", "domain", "zlib", "deflate",
	"inflate", "window", "huffman", "tree", "stream", "buffer", "a", "to", "in", "is",
	"memory", "page", "backend", "compress", "block", "literal", "match", "distance", "length", "code",
};

static unsigned next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u; /* the C standard's example generator */
	return *s >> 8;
}

void zw_input(unsigned char *buf, long n, int kind, unsigned seed)
{
	long i = 0;
	while (i < n) {
		unsigned r = next(&seed);
		if (kind == 0) { /* words, a sentence's end now and then */
			const char *w = words[r % (sizeof words / sizeof words[0])];
			for (; *w && i < n; w++)
				buf[i++] = (unsigned char)*w;
			if (i < n)
				buf[i++] = (r >> 12) % 11 == 0 ? '\n' : ' ';
		} else if (kind == 1) { /* a byte of the generator's high bits */
			buf[i++] = (unsigned char)(r >> 4);
		} else { /* runs of one byte, 1 to 64 long */
			for (long k = 1 + (long)((r >> 6) % 64); k > 0 && i < n; k--)
				buf[i++] = (unsigned char)(r % 7);
		}
	}
}

static unsigned char src[ZW_MAX], comp[ZW_OUT_MAX], back[ZW_MAX];

static unsigned long adler(const unsigned char *p, long n)
{
	return adler32(adler32(0, Z_NULL, 0), p, (uInt)n);
}

/* One case: compress, check the library's crc32 against zlib's here,
 * uncompress, compare. Returns 0 when all agree. */
static int one(const struct zw_ops *ops, int kind, long n, int level)
{
	zw_input(src, n, kind, 2026u + (unsigned)kind * 7919u + (unsigned)n);
	long c = ops->compress(comp, src, n, level);
	if (c < 0) {
		printf("%s %ld level %d: compress failed: %ld\n", kind_name[kind], n, level, c);
		return 1;
	}
	long ccrc = ops->crc32(comp, c);
	long b = ops->uncompress(back, ZW_MAX, comp, c);
	long bcrc = b < 0 ? b : ops->crc32(back, b);
	int same = b == n && memcmp(back, src, (size_t)n) == 0;
	int crc_ok = ccrc == (long)crc32(0, comp, (uInt)c) && (b < 0 || bcrc == (long)crc32(0, back, (uInt)b));
	printf("%s %ld level %d: compressed %ld crc32 %08lx adler32 %08lx; back %ld crc32 %08lx adler32 %08lx: %s\n",
	       kind_name[kind], n, level, c, (unsigned long)ccrc, adler(comp, c), b, (unsigned long)bcrc,
	       b < 0 ? 0ul : adler(back, b), !same ? "ROUND TRIP DIFFERS" : !crc_ok ? "CRC32 DIFFERS" : "same");
	return !same || !crc_ok;
}

/* The error paths: each call must give zlib's own code. */
static int errors(const struct zw_ops *ops)
{
	int bad = 0;
	zw_input(src, 4096, 0, 7u);
	long c = ops->compress(comp, src, 4096, 6);
	long r = ops->uncompress(back, 4095, comp, c);
	printf("uncompress into a buffer one byte short: %ld\n", r);
	bad += r != Z_BUF_ERROR;
	comp[c / 2] ^= 0x55;
	r = ops->uncompress(back, ZW_MAX, comp, c);
	printf("uncompress of a corrupted stream: %ld\n", r);
	bad += r != Z_DATA_ERROR;
	r = ops->uncompress(back, ZW_MAX, comp, c / 2);
	printf("uncompress of a truncated stream: %ld\n", r);
	bad += r != Z_BUF_ERROR && r != Z_DATA_ERROR;
	r = ops->compress(comp, src, 4096, 10);
	printf("compress at level 10: %ld\n", r);
	bad += r != Z_STREAM_ERROR;
	return bad;
}

int zw_run(const struct zw_ops *ops)
{
	int bad = 0, cases = 0;
	printf("zlib %s\n", zlibVersion());
	for (int k = 0; k < 3; k++)
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
			for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++, cases++)
				bad += one(ops, k, sizes[s], levels[l]);
	bad += errors(ops);
	printf("%d cases, %d differ\n", cases, bad);
	return bad;
}
