/* selftest.c - runs mbedTLS's self tests (selftest.h). The list is every
 * *_self_test the configuration enables; each prints its own checks
 * through printf, the C library's in the domain (musl) and natively. */
#include <stdio.h>

#include "mbedtls/aes.h"
#include "mbedtls/bignum.h"
#include "mbedtls/ecp.h"
#include "mbedtls/gcm.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/sha1.h"
#include "mbedtls/sha256.h"

#include "selftest.h"

static const struct {
	const char *name;
	int (*run)(int verbose);
} tests[] = {
	{"aes", mbedtls_aes_self_test},
	{"gcm", mbedtls_gcm_self_test},
	{"sha1", mbedtls_sha1_self_test},
	{"sha256", mbedtls_sha256_self_test},
	{"mpi", mbedtls_mpi_self_test},
	{"ecp", mbedtls_ecp_self_test},
	{"hmac_drbg", mbedtls_hmac_drbg_self_test},
};

int crypto_selftest(void)
{
	int failed = 0;
	for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int r = tests[i].run(1);
		printf("selftest %s: %s\n", tests[i].name, r == 0 ? "passed" : "FAILED");
		failed += r != 0;
	}
	printf("selftests: %u run, %d failed\n", (unsigned)(sizeof tests / sizeof tests[0]), failed);
	fflush(stdout);
	return failed;
}
