/* keys.c - the keys and operations of keys.h, with mbedTLS.
 *
 * From the provisioned secret S (at least CRYPTO_SECRET_MIN bytes) come,
 * by HKDF-SHA-256 (RFC 5869) with salt "plib crypto v1" and S as input
 * keying material, three 32-byte outputs, one per info string:
 *   "aes-256-gcm key"   the AES-256-GCM key;
 *   "ecdsa p-256 key"   h, and the private key d = h mod (n - 1) + 1
 *                       (n the group order: d is in [1, n - 1]);
 *   "drbg seed"         with the run nonce appended, the seed of the
 *                       HMAC_DRBG (SHA-256) that blinds the scalar
 *                       multiplications (ECDSA's k stays RFC 6979's) and
 *                       draws the 4-byte IV prefix.
 * A GCM IV is that prefix then a 64-bit counter, so no two seals of one
 * run share an IV; the prefix differs between runs as the run nonce
 * does (the time-stamp counter at start: the domain has no other
 * entropy, MBEDTLS_NO_PLATFORM_ENTROPY). */
#include <string.h>

#include "mbedtls/ecdsa.h"
#include "mbedtls/gcm.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/platform_util.h"

#include "crypto.h"
#include "keys.h"

static mbedtls_gcm_context gcm;
static mbedtls_hmac_drbg_context drbg;
static mbedtls_ecp_group grp;
static mbedtls_mpi d;
static mbedtls_ecp_point q;
static unsigned char iv_prefix[4];
static uint64_t iv_counter;
static int ready;

static int derive(const unsigned char *s, size_t n, const char *info, unsigned char out[32])
{
	static const unsigned char salt[] = "plib crypto v1";
	return mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, sizeof salt - 1, s, n,
			    (const unsigned char *)info, strlen(info), out, 32);
}

int keys_init(const unsigned char *secret, size_t n, uint64_t run_nonce)
{
	unsigned char k[32], seed[40];
	mbedtls_mpi nm1;
	int err = CRYPTO_EMBED;

	if (ready)
		return 0;
	if (n == 0)
		return CRYPTO_ENOSECRET;
	if (n < CRYPTO_SECRET_MIN)
		return CRYPTO_ESHORT;
	mbedtls_gcm_init(&gcm);
	mbedtls_hmac_drbg_init(&drbg);
	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&nm1);
	mbedtls_ecp_point_init(&q);
	if (derive(secret, n, "drbg seed", seed) != 0)
		goto out;
	memcpy(seed + 32, &run_nonce, 8);
	if (mbedtls_hmac_drbg_seed_buf(&drbg, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), seed, sizeof seed) != 0 ||
	    mbedtls_hmac_drbg_random(&drbg, iv_prefix, sizeof iv_prefix) != 0)
		goto out;
	if (derive(secret, n, "aes-256-gcm key", k) != 0 || mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, k, 256) != 0)
		goto out;
	if (derive(secret, n, "ecdsa p-256 key", k) != 0 ||
	    mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_mpi_read_binary(&d, k, sizeof k) != 0 ||
	    mbedtls_mpi_sub_int(&nm1, &grp.N, 1) != 0 ||
	    mbedtls_mpi_mod_mpi(&d, &d, &nm1) != 0 ||
	    mbedtls_mpi_add_int(&d, &d, 1) != 0 ||
	    mbedtls_ecp_mul(&grp, &q, &d, &grp.G, mbedtls_hmac_drbg_random, &drbg) != 0)
		goto out;
	ready = 1;
	err = 0;
out:
	mbedtls_platform_zeroize(k, sizeof k);
	mbedtls_platform_zeroize(seed, sizeof seed);
	mbedtls_mpi_free(&nm1);
	return err;
}

long keys_seal(const unsigned char *in, size_t n, unsigned char *out)
{
	if (!ready)
		return CRYPTO_EINIT;
	if (n > CRYPTO_MSG_MAX)
		return CRYPTO_EARG;
	memcpy(out, iv_prefix, 4);
	memcpy(out + 4, &iv_counter, 8);
	iv_counter++;
	if (mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, n, out, CRYPTO_IV, NULL, 0, in, out + CRYPTO_IV,
				      CRYPTO_TAG, out + CRYPTO_IV + n) != 0)
		return CRYPTO_EMBED;
	return CRYPTO_SEALED((long)n);
}

long keys_open(const unsigned char *in, size_t len, unsigned char *out)
{
	if (!ready)
		return CRYPTO_EINIT;
	if (len < CRYPTO_SEALED(0) || len > CRYPTO_SEALED(CRYPTO_MSG_MAX))
		return CRYPTO_EARG;
	size_t n = len - CRYPTO_SEALED(0);
	int r = mbedtls_gcm_auth_decrypt(&gcm, n, in, CRYPTO_IV, NULL, 0, in + CRYPTO_IV + n, CRYPTO_TAG,
					 in + CRYPTO_IV, out);
	if (r == MBEDTLS_ERR_GCM_AUTH_FAILED)
		return CRYPTO_EBADMSG; /* mbedTLS zeroed out */
	return r != 0 ? CRYPTO_EMBED : (long)n;
}

long keys_sign(const unsigned char *digest, unsigned char *sig)
{
	mbedtls_mpi r, s;
	long err = CRYPTO_EMBED;

	if (!ready)
		return CRYPTO_EINIT;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_ecdsa_sign_det_ext(&grp, &r, &s, &d, digest, CRYPTO_DIGEST, MBEDTLS_MD_SHA256,
				       mbedtls_hmac_drbg_random, &drbg) == 0 &&
	    mbedtls_mpi_write_binary(&r, sig, 32) == 0 && mbedtls_mpi_write_binary(&s, sig + 32, 32) == 0)
		err = CRYPTO_SIG;
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return err;
}

long keys_verify(const unsigned char *digest, const unsigned char *sig)
{
	mbedtls_mpi r, s;
	long err = CRYPTO_EMBED;

	if (!ready)
		return CRYPTO_EINIT;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_mpi_read_binary(&r, sig, 32) == 0 && mbedtls_mpi_read_binary(&s, sig + 32, 32) == 0) {
		int v = mbedtls_ecdsa_verify(&grp, digest, CRYPTO_DIGEST, &q, &r, &s);
		err = v == 0 ? 0 : v == MBEDTLS_ERR_ECP_VERIFY_FAILED ? CRYPTO_EBADSIG : CRYPTO_EMBED;
	}
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return err;
}

long keys_pubkey(unsigned char *pub)
{
	size_t olen;
	if (!ready)
		return CRYPTO_EINIT;
	if (mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub, CRYPTO_PUB) != 0 ||
	    olen != CRYPTO_PUB)
		return CRYPTO_EMBED;
	return CRYPTO_PUB;
}
