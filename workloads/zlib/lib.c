/* lib.c - zlib 1.2.13, Debian's source unmodified, as a protected
 * library: each entry copies its input into private memory, runs zlib
 * there (codec.c; zlib's allocations are musl's malloc on this library's
 * heap) and copies the result out, last. */
#include "plib.h"

#include "codec.h"
#include "zlibw.h"

/* deflate's state is about 260 KiB, inflate's 40 KiB, each freed after its call. */
PLIB_LIBRARY_HEAP(2 << 20);

/* The private copies, each followed by a guard word: a length check
 * missing from an entry lets a hostile length run past its buffer, and
 * every entry then answers ZW_ESMASHED (app.c's hostile calls see it). */
#define GUARD 0x5a4c49424755415aull
static struct {
	unsigned char in[ZW_OUT_MAX];
	uint64_t guard_in;
	unsigned char out[ZW_OUT_MAX];
	uint64_t guard_out;
} b = {.guard_in = GUARD, .guard_out = GUARD};

/* Whether an earlier call ran past a private buffer. */
static int smashed(void)
{
	return b.guard_in != GUARD || b.guard_out != GUARD;
}

/* compress(input offset, input length, output offset, level): the
 * compressed length, or zlib's code, or ZW_ERANGE. */
static long compress_entry(long in_off, long in_len, long out_off, long level)
{
	if (smashed())
		return ZW_ESMASHED;
	if (in_len < 0 || in_len > ZW_MAX || plib_copy_in(b.in, (uint64_t)in_off, (uint64_t)in_len) < 0)
		return ZW_ERANGE;
	long r = zw_compress(b.out, b.in, in_len, level);
	if (r > 0 && plib_copy_out((uint64_t)out_off, b.out, (uint64_t)r) < 0)
		return ZW_ERANGE;
	return r;
}

/* uncompress(input offset, input length, output offset, output
 * capacity): the uncompressed length, or zlib's code, or ZW_ERANGE. */
static long uncompress_entry(long in_off, long in_len, long out_off, long cap)
{
	if (smashed())
		return ZW_ESMASHED;
	if (in_len < 0 || in_len > ZW_OUT_MAX || plib_copy_in(b.in, (uint64_t)in_off, (uint64_t)in_len) < 0)
		return ZW_ERANGE;
	long r = zw_uncompress(b.out, cap, b.in, in_len);
	if (r > 0 && plib_copy_out((uint64_t)out_off, b.out, (uint64_t)r) < 0)
		return ZW_ERANGE;
	return r;
}

/* crc32(offset, length): the CRC-32 of that range, or ZW_ERANGE. */
static long crc32_entry(long off, long len, long a2, long a3)
{
	(void)a2, (void)a3;
	if (smashed())
		return ZW_ESMASHED;
	if (len < 0 || len > ZW_OUT_MAX || plib_copy_in(b.in, (uint64_t)off, (uint64_t)len) < 0)
		return ZW_ERANGE;
	return zw_crc32(b.in, len);
}

PLIB_EXPORT(ZW_COMPRESS, compress_entry);
PLIB_EXPORT(ZW_UNCOMPRESS, uncompress_entry);
PLIB_EXPORT(ZW_CRC32, crc32_entry);
