/* native.c - the same driver and codec, built natively against the
 * host's C library and zlib built natively from the same Debian tree
 * (scripts/build: build/images/zlib.native): the protected build's
 * output must be byte-identical to this program's. */
#include "codec.h"
#include "driver.h"

int main(void)
{
	static const struct zw_ops ops = {zw_compress, zw_uncompress, zw_crc32};
	return zw_run(&ops) ? 1 : 0;
}
