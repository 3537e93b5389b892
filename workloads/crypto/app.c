/* app.c - crypto: the application has the library (lib.c) derive its keys
 * from the provisioned secret, run mbedTLS's self tests inside it, check
 * that seal/open and sign/verify work and refuse what they must, then
 * times rounds of each operation (params ops, rounds), checking every
 * result. Exit 0: all passed; 3: no usable secret; 4: a self test
 * failed; 5: a check failed. */
#include <stdio.h>
#include <string.h>

#include "plib.h"

#include "crypto.h"

#define MAX_ROUNDS 32
/* The argument area: the message, its sealed form, what open returns,
 * a digest, a signature, the public key. */
#define MSG_OFF 0
#define SEALED_OFF 2048
#define OPENED_OFF 4096
#define DIG_OFF 6144
#define SIG_OFF 6208
#define PUB_OFF 6400
#define SEALED_LEN CRYPTO_SEALED(CRYPTO_MSG_MAX)

static char *A;
static int failed;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("crypto: check failed: %s\n", what);
		failed = 1;
	}
}

static long seal(void) { return plib_call(CRYPTO_SEAL, MSG_OFF, CRYPTO_MSG_MAX, SEALED_OFF, 0); }
static long open(void) { return plib_call(CRYPTO_OPEN, SEALED_OFF, SEALED_LEN, OPENED_OFF, 0); }
static long sign(void) { return plib_call(CRYPTO_SIGN, DIG_OFF, SIG_OFF, 0, 0); }
static long verify(void) { return plib_call(CRYPTO_VERIFY, DIG_OFF, SIG_OFF, 0, 0); }

/* The checks before timing: each operation works, and what must be
 * refused is. */
static void checks(void)
{
	unsigned char msg[CRYPTO_MSG_MAX], sig[CRYPTO_SIG];
	for (int i = 0; i < CRYPTO_MSG_MAX; i++)
		msg[i] = (unsigned char)(i * 7 + 1);
	memcpy(A + MSG_OFF, msg, sizeof msg);
	check(seal() == SEALED_LEN, "seal returns IV, ciphertext and tag");
	check(memcmp(A + SEALED_OFF + CRYPTO_IV, msg, 64) != 0, "seal encrypts");
	memset(A + OPENED_OFF, 0, CRYPTO_MSG_MAX);
	check(open() == CRYPTO_MSG_MAX && memcmp(A + OPENED_OFF, msg, sizeof msg) == 0, "open returns the plaintext");
	/* A flipped ciphertext bit, then a flipped tag bit: refused, and
	 * nothing is copied out. */
	for (long at = CRYPTO_IV + 100; at <= SEALED_LEN - 1; at = SEALED_LEN - 1) {
		A[SEALED_OFF + at] ^= 1;
		memset(A + OPENED_OFF, 0xa5, CRYPTO_MSG_MAX);
		check(open() == CRYPTO_EBADMSG, at == SEALED_LEN - 1 ? "open refuses a tampered tag" : "open refuses a tampered ciphertext");
		int untouched = 1;
		for (int i = 0; i < CRYPTO_MSG_MAX; i++)
			untouched &= (unsigned char)A[OPENED_OFF + i] == 0xa5;
		check(untouched, "a refused open copies nothing out");
		A[SEALED_OFF + at] ^= 1;
		if (at == SEALED_LEN - 1)
			break;
	}
	check(open() == CRYPTO_MSG_MAX, "the restored message opens again");
	check(plib_call(CRYPTO_SEAL, MSG_OFF, CRYPTO_MSG_MAX + 1, SEALED_OFF, 0) == CRYPTO_EARG, "seal refuses more than 1 KiB");
	check(plib_call(CRYPTO_SEAL, (long)plib_args_size(CRYPTO_LIB) - 8, 64, SEALED_OFF, 0) == CRYPTO_EARG,
	      "seal refuses a range past the argument area");

	for (int i = 0; i < CRYPTO_DIGEST; i++)
		A[DIG_OFF + i] = (char)i;
	check(sign() == CRYPTO_SIG, "sign returns r || s");
	memcpy(sig, A + SIG_OFF, sizeof sig);
	check(verify() == 0, "verify accepts the signature");
	check(sign() == CRYPTO_SIG && memcmp(A + SIG_OFF, sig, sizeof sig) == 0, "signing is deterministic (RFC 6979)");
	A[DIG_OFF] ^= 1;
	check(verify() == CRYPTO_EBADSIG, "verify refuses another digest");
	A[DIG_OFF] ^= 1;
	A[SIG_OFF + 40] ^= 1;
	check(verify() == CRYPTO_EBADSIG, "verify refuses a tampered signature");
	A[SIG_OFF + 40] ^= 1;

	check(plib_call(CRYPTO_PUBKEY, PUB_OFF, 0, 0, 0) == CRYPTO_PUB && A[PUB_OFF] == 4, "pubkey exports an uncompressed point");
	printf("pubkey ");
	for (int i = 0; i < CRYPTO_PUB; i++)
		printf("%02x", (unsigned char)A[PUB_OFF + i]);
	printf("\n");
}

/* Times `op` over ops calls per round, checking each; reports the median
 * cycles per call. */
#define TIMED(name, op, ok)                                             \
	do {                                                            \
		uint64_t per[MAX_ROUNDS];                               \
		long bad = 0;                                           \
		for (long r = 0; r < rounds; r++) {                     \
			uint64_t t0 = plib_rdtsc();                     \
			for (long i = 0; i < ops; i++)                  \
				bad += (op) != (ok);                    \
			per[r] = (plib_rdtsc() - t0) / (uint64_t)ops;   \
		}                                                       \
		check(bad == 0, name);                                  \
		plib_report_rounds(name "_cycles", per, rounds);        \
	} while (0)

int main(void)
{
	long ops = plib_param("ops", 100), rounds = plib_param("rounds", 5);
	if (ops < 1 || rounds < 1 || rounds > MAX_ROUNDS)
		return 2;
	A = plib_args(CRYPTO_LIB);
	long r = plib_call(CRYPTO_INIT, 0, 0, 0, 0);
	if (r == CRYPTO_ENOSECRET || r == CRYPTO_ESHORT) {
		printf("crypto: the library %s: run it with --secret crypto=FILE, a file of %d to %d bytes\n",
		       r == CRYPTO_ENOSECRET ? "was given no secret" : "was given a secret too short", CRYPTO_SECRET_MIN,
		       PLIB_SECRET_MAX);
		fflush(stdout);
		return 3;
	}
	if (r != 0) {
		printf("crypto: the library could not derive its keys (%ld)\n", r);
		fflush(stdout);
		return 5;
	}
	long selftests = plib_call(CRYPTO_SELFTEST, 0, 0, 0, 0);
	plib_metric("selftests_failed", selftests);
	if (selftests != 0) {
		printf("crypto: %ld of mbedTLS's self tests failed\n", selftests);
		fflush(stdout);
		return 4;
	}
	checks();
	/* Every open sees the last seal's message; every verify the last signature. */
	TIMED("aes_gcm_seal", seal(), SEALED_LEN);
	TIMED("aes_gcm_open", open(), CRYPTO_MSG_MAX);
	TIMED("ecdsa_sign", (A[DIG_OFF] = (char)i, sign()), CRYPTO_SIG);
	TIMED("ecdsa_verify", verify(), 0);
	plib_metric("checks_failed", failed);
	fflush(stdout);
	return failed ? 5 : 0;
}
