/* app.c - zlib: the driver (driver.c) with every compress, uncompress
 * and crc32 a call into the protected library, its data through the
 * library's argument area; it prints exactly what native.c prints. */
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

int main(void)
{
	static const struct zw_ops ops = {lib_compress, lib_uncompress, lib_crc32};
	int bad = zw_run(&ops);
	fflush(stdout);
	return bad ? 1 : 0;
}
