/* api.h - the secret library's entry points. */
#ifndef SECRET_API_H
#define SECRET_API_H
#include "plib.h"

#define SECRET_LIB 1
#define SECRET_DIGEST PLIB_ENTRY(SECRET_LIB, 0) /* FNV-1a of the secret it was given (plib_secret); -1: none */
#define SECRET_LENGTH PLIB_ENTRY(SECRET_LIB, 1) /* its length */
#define SECRET_AREA PLIB_ENTRY(SECRET_LIB, 2)   /* the address of its TLS block's secret area */
/* FNV-1a, 64 bits: what the library returns and the test computes. */
static inline uint64_t secret_fnv(const unsigned char *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}
#endif
