/* lib.c - the secret library: holds the secret the run provisioned for it
 * (vmm run --secret secret=FILE) and reveals only its digest. */
#include "api.h"

static unsigned char key[PLIB_SECRET_MAX];

static long digest(long a0, long a1, long a2, long a3)
{
	long n = plib_secret(key, sizeof key);
	return n < 0 ? -1 : (long)secret_fnv(key, (uint64_t)n);
}

static long length(long a0, long a1, long a2, long a3)
{
	return plib_secret(0, 0);
}

static long area(long a0, long a1, long a2, long a3)
{
	return (long)(plib_tls + PLIB_TLS_SECRET);
}

PLIB_EXPORT(0, digest);
PLIB_EXPORT(1, length);
PLIB_EXPORT(2, area);
