/* plib_mbedtls_config.h - the mbedTLS 2.28 configuration the crypto
 * workload builds Debian's sources with (-DMBEDTLS_CONFIG_FILE), in the
 * domain and natively alike: AES-256-GCM, SHA-256, HKDF, HMAC_DRBG and
 * ECDSA P-256 (deterministic, RFC 6979) and the self tests of each; no
 * filesystem, network, clock, threads or platform entropy (a domain has
 * none: the library's only randomness is its provisioned secret). */
#ifndef PLIB_MBEDTLS_CONFIG_H
#define PLIB_MBEDTLS_CONFIG_H

/* System support: x86-64 inline assembly (bignum multiply, AES-NI, which
 * mbedTLS selects at run time with CPUID). No MBEDTLS_HAVE_TIME, no
 * MBEDTLS_FS_IO, no MBEDTLS_NET_C, MBEDTLS_TIMING_C or MBEDTLS_THREADING_C. */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_AESNI_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* bignum's 128-by-64-bit division would call libgcc's __udivti3, which no
 * domain links (its C library is musl alone): mbedTLS's own portable
 * division instead. */
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_SELF_TEST

/* Symmetric: AES (with the CBC and CTR modes, so its self test covers
 * them too) and GCM over the generic cipher layer. */
#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_GCM_C

/* Hashes, key derivation and the deterministic generator. */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C /* HMAC_DRBG's self test has known answers for SHA-1 only */
#define MBEDTLS_SHA256_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_HMAC_DRBG_C

/* ECDSA over NIST P-256, deterministic signatures (RFC 6979). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

#include "mbedtls/check_config.h"
#endif
