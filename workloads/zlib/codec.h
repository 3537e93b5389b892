/* codec.h - compress, uncompress and crc32 over private buffers, with
 * every length checked (zlibw.h's limits): what the library's entries
 * run, and what native.c calls directly. */
#ifndef ZLIBW_CODEC_H
#define ZLIBW_CODEC_H

/* src[0..n) deflated at level into dst (ZW_OUT_MAX bytes): its length,
 * or zlib's negative code, or ZW_ERANGE. */
long zw_compress(unsigned char *dst, const unsigned char *src, long n, long level);
/* src[0..n) inflated into dst[0..cap): its length, or zlib's code. */
long zw_uncompress(unsigned char *dst, long cap, const unsigned char *src, long n);
/* The CRC-32 of src[0..n), or ZW_ERANGE. */
long zw_crc32(const unsigned char *src, long n);

#endif
