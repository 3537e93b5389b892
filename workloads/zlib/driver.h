/* driver.h - the test the application and native.c both run: each input
 * (text-like, random-like and runs, several sizes) is compressed at
 * several levels, uncompressed again and compared; sizes and checksums
 * are printed. Only how the calls reach zlib differs (struct zw_ops). */
#ifndef ZLIBW_DRIVER_H
#define ZLIBW_DRIVER_H

/* How the driver reaches zlib: through a protected library's entries, or
 * directly. Each returns what the entry of the same name returns
 * (zlibw.h). */
struct zw_ops {
	long (*compress)(unsigned char *dst, const unsigned char *src, long n, long level);
	long (*uncompress)(unsigned char *dst, long cap, const unsigned char *src, long n);
	long (*crc32)(const unsigned char *src, long n);
};

/* Writes n bytes of input kind (0 text, 1 random, 2 runs) from seed. */
void zw_input(unsigned char *buf, long n, int kind, unsigned seed);

/* Runs every case, printing a line for each; returns 0, or the number of
 * cases whose round trip or checksums differ. */
int zw_run(const struct zw_ops *ops);

#endif
