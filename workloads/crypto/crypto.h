/* crypto.h - the crypto library's entries (lib.c), what the application
 * (app.c) and the native build (native.c) share. The library holds two
 * keys derived from the secret the run provisions for it (vmm run
 * --secret crypto=FILE), never from the image: an AES-256-GCM key and an
 * ECDSA P-256 private key. Arguments are offsets into its argument area. */
#ifndef CRYPTO_H
#define CRYPTO_H

#define CRYPTO_LIB 1
#define CRYPTO_INIT PLIB_ENTRY(CRYPTO_LIB, 0)     /* () -> 0, or CRYPTO_E* */
#define CRYPTO_SELFTEST PLIB_ENTRY(CRYPTO_LIB, 1) /* () -> failed self tests (0: all passed) */
#define CRYPTO_SEAL PLIB_ENTRY(CRYPTO_LIB, 2)     /* (in, len, out) -> sealed length */
#define CRYPTO_OPEN PLIB_ENTRY(CRYPTO_LIB, 3)     /* (in, len, out) -> plaintext length, or CRYPTO_EBADMSG */
#define CRYPTO_SIGN PLIB_ENTRY(CRYPTO_LIB, 4)     /* (digest, out) -> CRYPTO_SIG */
#define CRYPTO_VERIFY PLIB_ENTRY(CRYPTO_LIB, 5)   /* (digest, sig) -> 0 valid, CRYPTO_EBADSIG */
#define CRYPTO_PUBKEY PLIB_ENTRY(CRYPTO_LIB, 6)   /* (out) -> CRYPTO_PUB */

#define CRYPTO_MSG_MAX 1024  /* plaintext bytes a seal takes */
#define CRYPTO_IV 12         /* a sealed message: IV || ciphertext || tag */
#define CRYPTO_TAG 16
#define CRYPTO_SEALED(n) (CRYPTO_IV + (n) + CRYPTO_TAG)
#define CRYPTO_DIGEST 32     /* SHA-256 */
#define CRYPTO_SIG 64        /* r || s, 32 bytes each, big-endian */
#define CRYPTO_PUB 65        /* the uncompressed point 04 || x || y */
#define CRYPTO_SECRET_MIN 16 /* secret bytes the keys are derived from, at least */

#define CRYPTO_ENOSECRET (-1) /* no --secret crypto=FILE */
#define CRYPTO_ESHORT (-2)    /* a secret shorter than CRYPTO_SECRET_MIN */
#define CRYPTO_EINIT (-3)     /* not initialised (CRYPTO_INIT failed or not called) */
#define CRYPTO_EARG (-4)      /* a range outside the argument area, a length out of bounds */
#define CRYPTO_EBADMSG (-5)   /* open: the tag does not match (nothing copied out) */
#define CRYPTO_EBADSIG (-6)   /* verify: not a valid signature of the digest */
#define CRYPTO_EMBED (-7)     /* mbedTLS failed otherwise */
#endif
