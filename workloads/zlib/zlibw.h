/* zlibw.h - what the application, the library and native.c share: the
 * library's entries, where their buffers sit in its argument area, and
 * what the driver runs. */
#ifndef ZLIBW_H
#define ZLIBW_H
#define ZW_LIB 1
/* Entries: compress(in off, in len, out off, level), uncompress(in off,
 * in len, out off, out capacity), crc32(off, len). Each returns a length
 * (a CRC), zlib's own negative code, or ZW_ERANGE. */
#define ZW_COMPRESS 0
#define ZW_UNCOMPRESS 1
#define ZW_CRC32 2
#define ZW_ERANGE (-100) /* a range outside the argument area, or too long */
#define ZW_ESMASHED (-101) /* an earlier call ran past a private buffer */
#define ZW_MAX (256 << 10) /* the longest input, and uncompressed output */
#define ZW_OUT_MAX (ZW_MAX + (ZW_MAX >> 6) + 64) /* > compressBound(ZW_MAX) */
#define ZW_IN_OFF 0
#define ZW_OUT_OFF (512 << 10)
#endif
