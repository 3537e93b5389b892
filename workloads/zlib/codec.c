/* codec.c - the library's work, on zlib's own compress2, uncompress and
 * crc32: lib.c exports it, native.c calls it directly. */
#include "../../build/thirdparty/zlib/include/zlib.h"

#include "codec.h"
#include "zlibw.h"

long zw_compress(unsigned char *dst, const unsigned char *src, long n, long level)
{
	if (n < 0 || n > ZW_MAX)
		return ZW_ERANGE;
	if (level < Z_DEFAULT_COMPRESSION || level > Z_BEST_COMPRESSION)
		return Z_STREAM_ERROR; /* as deflateInit says, before the int cast could wrap */
	uLongf len = ZW_OUT_MAX;
	int r = compress2(dst, &len, src, (uLong)n, (int)level);
	return r == Z_OK ? (long)len : r;
}

long zw_uncompress(unsigned char *dst, long cap, const unsigned char *src, long n)
{
	if (n < 0 || n > ZW_OUT_MAX || cap < 0 || cap > ZW_MAX)
		return ZW_ERANGE;
	uLongf len = (uLongf)cap;
	int r = uncompress(dst, &len, src, (uLong)n);
	return r == Z_OK ? (long)len : r;
}

long zw_crc32(const unsigned char *src, long n)
{
	if (n < 0 || n > ZW_OUT_MAX)
		return ZW_ERANGE;
	return (long)crc32(0, src, (uInt)n);
}
