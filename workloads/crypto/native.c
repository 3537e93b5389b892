/* native.c - the same mbedTLS, configuration and self tests built natively
 * against the host's C library (scripts/build: build/images/crypto.native,
 * with native.args): its output must be byte-identical to the self-test
 * output the library prints in its domain. Given a secret file, it then
 * times the same four operations (ops per round, median of rounds) as
 * the workload does, for the native figures.
 * Usage: crypto.native [SECRET-FILE [OPS ROUNDS]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "plib_abi.h" /* PLIB_SECRET_MAX */

#include "crypto.h"
#include "keys.h"
#include "selftest.h"

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

#define TIMED(name, op, ok)                                                   \
	do {                                                                  \
		uint64_t per[32];                                             \
		for (long r = 0; r < rounds; r++) {                           \
			uint64_t t0 = __rdtsc();                              \
			for (long i = 0; i < ops; i++)                        \
				if ((op) != (ok))                             \
					return 5;                             \
			per[r] = (__rdtsc() - t0) / (uint64_t)ops;            \
		}                                                             \
		qsort(per, (size_t)rounds, sizeof per[0], by_value);          \
		printf("%s_cycles %llu\n", name, (unsigned long long)per[rounds / 2]); \
	} while (0)

int main(int argc, char **argv)
{
	if (crypto_selftest() != 0)
		return 4;
	if (argc < 2)
		return 0;
	static unsigned char secret[PLIB_SECRET_MAX + 1], msg[CRYPTO_MSG_MAX], sealed[CRYPTO_SEALED(CRYPTO_MSG_MAX)],
		opened[CRYPTO_MSG_MAX], dig[CRYPTO_DIGEST], sig[CRYPTO_SIG];
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 3;
	size_t n = fread(secret, 1, sizeof secret, f);
	fclose(f);
	long ops = argc > 3 ? atol(argv[2]) : 100, rounds = argc > 3 ? atol(argv[3]) : 5;
	if (n > PLIB_SECRET_MAX || ops < 1 || rounds < 1 || rounds > 32 || keys_init(secret, n, __rdtsc()) != 0)
		return 3;
	memset(msg, 7, sizeof msg);
	TIMED("aes_gcm_seal", keys_seal(msg, sizeof msg, sealed), (long)sizeof sealed);
	TIMED("aes_gcm_open", keys_open(sealed, sizeof sealed, opened), (long)sizeof opened);
	TIMED("ecdsa_sign", (dig[0] = (unsigned char)i, keys_sign(dig, sig)), CRYPTO_SIG);
	TIMED("ecdsa_verify", keys_verify(dig, sig), 0);
	return 0;
}
