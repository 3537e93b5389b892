/* lib.c - the crypto library: mbedTLS (Debian's 2.28.3, unmodified)
 * holding keys derived from the secret the run provisions for it (vmm run
 * --secret crypto=FILE; keys.c says how), which never leave it. Each entry
 * copies its input in, works on private copies, and copies its result out
 * last; open copies nothing out when the tag does not match. */
#include "plib.h"

#include "crypto.h"
#include "keys.h"
#include "selftest.h"

PLIB_LIBRARY_HEAP(1 << 20);

static unsigned char in[CRYPTO_SEALED(CRYPTO_MSG_MAX)], out[CRYPTO_SEALED(CRYPTO_MSG_MAX)];

/* init(): the keys from the secret, once. */
static long init(long a0, long a1, long a2, long a3)
{
	static unsigned char secret[PLIB_SECRET_MAX];
	long n = plib_secret(secret, sizeof secret);
	if (n < 0)
		return CRYPTO_ENOSECRET;
	long r = keys_init(secret, (size_t)n, plib_rdtsc());
	memset(secret, 0, sizeof secret);
	return r;
}

static long selftest(long a0, long a1, long a2, long a3)
{
	return crypto_selftest();
}

/* seal(in, len, out): len plaintext bytes at in -> CRYPTO_SEALED(len) at out. */
static long seal(long in_off, long len, long out_off, long a3)
{
	if (len < 0 || len > CRYPTO_MSG_MAX || plib_copy_in(in, (uint64_t)in_off, (uint64_t)len) < 0)
		return CRYPTO_EARG;
	long n = keys_seal(in, (size_t)len, out);
	if (n > 0 && plib_copy_out((uint64_t)out_off, out, (uint64_t)n) < 0)
		return CRYPTO_EARG;
	return n;
}

/* open(in, len, out): a sealed message at in -> its plaintext at out. */
static long open(long in_off, long len, long out_off, long a3)
{
	if (len < CRYPTO_SEALED(0) || len > CRYPTO_SEALED(CRYPTO_MSG_MAX) ||
	    plib_copy_in(in, (uint64_t)in_off, (uint64_t)len) < 0)
		return CRYPTO_EARG;
	long n = keys_open(in, (size_t)len, out);
	if (n >= 0 && plib_copy_out((uint64_t)out_off, out, (uint64_t)n) < 0)
		return CRYPTO_EARG;
	return n;
}

/* sign(digest, out): the signature (r || s) of the digest at out. */
static long sign(long dig_off, long out_off, long a2, long a3)
{
	unsigned char dig[CRYPTO_DIGEST], sig[CRYPTO_SIG];
	if (plib_copy_in(dig, (uint64_t)dig_off, sizeof dig) < 0)
		return CRYPTO_EARG;
	long n = keys_sign(dig, sig);
	if (n > 0 && plib_copy_out((uint64_t)out_off, sig, sizeof sig) < 0)
		return CRYPTO_EARG;
	return n;
}

/* verify(digest, sig): 0 when sig is this key's signature of the digest. */
static long verify(long dig_off, long sig_off, long a2, long a3)
{
	unsigned char dig[CRYPTO_DIGEST], sig[CRYPTO_SIG];
	if (plib_copy_in(dig, (uint64_t)dig_off, sizeof dig) < 0 || plib_copy_in(sig, (uint64_t)sig_off, sizeof sig) < 0)
		return CRYPTO_EARG;
	return keys_verify(dig, sig);
}

/* pubkey(out): the public key, uncompressed, at out. */
static long pubkey(long out_off, long a1, long a2, long a3)
{
	unsigned char pub[CRYPTO_PUB];
	long n = keys_pubkey(pub);
	if (n > 0 && plib_copy_out((uint64_t)out_off, pub, sizeof pub) < 0)
		return CRYPTO_EARG;
	return n;
}

PLIB_EXPORT(0, init);
PLIB_EXPORT(1, selftest);
PLIB_EXPORT(2, seal);
PLIB_EXPORT(3, open);
PLIB_EXPORT(4, sign);
PLIB_EXPORT(5, verify);
PLIB_EXPORT(6, pubkey);
