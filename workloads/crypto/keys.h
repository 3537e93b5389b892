/* keys.h - the crypto library's keys and operations over private memory
 * (keys.c): lib.c wraps them in entries with copy-in and copy-out,
 * native.c calls them directly. Results are crypto.h's. */
#ifndef KEYS_H
#define KEYS_H
#include <stddef.h>
#include <stdint.h>

/* Derives the keys from secret[0..n) (HKDF-SHA-256, keys.c says how);
 * run_nonce makes this run's GCM IVs differ from another run's with the
 * same secret. */
int keys_init(const unsigned char *secret, size_t n, uint64_t run_nonce);
/* in[0..n) (n <= CRYPTO_MSG_MAX) -> out[0..CRYPTO_SEALED(n)). */
long keys_seal(const unsigned char *in, size_t n, unsigned char *out);
/* in[0..len) sealed -> out[0..len - CRYPTO_SEALED(0)), or CRYPTO_EBADMSG
 * with out zeroed. */
long keys_open(const unsigned char *in, size_t len, unsigned char *out);
/* digest[0..CRYPTO_DIGEST) -> sig[0..CRYPTO_SIG), deterministic (RFC 6979). */
long keys_sign(const unsigned char *digest, unsigned char *sig);
/* 0 when sig is the library's key's signature of digest, else CRYPTO_EBADSIG. */
long keys_verify(const unsigned char *digest, const unsigned char *sig);
/* The public key -> pub[0..CRYPTO_PUB). */
long keys_pubkey(unsigned char *pub);
#endif
