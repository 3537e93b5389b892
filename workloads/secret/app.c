/* app.c - secret: the application reports the digest and length of the
 * secret its library was given, then (part 1) reads the library's secret
 * area itself, which every isolating backend must stop. */
#include "api.h"

int main(void)
{
	plib_metric("digest", plib_call(SECRET_DIGEST, 0, 0, 0, 0));
	plib_metric("length", plib_call(SECRET_LENGTH, 0, 0, 0, 0));
	/* Its own TLS block's secret area: the loader gives the application none. */
	plib_metric("app_secret_length", (long)*(volatile uint64_t *)(plib_tls + PLIB_TLS_SECRET));
	if (plib_param("part", 0) == 1) {
		volatile uint64_t *lib = (volatile uint64_t *)plib_call(SECRET_AREA, 0, 0, 0, 0);
		plib_metric("read_length", (long)lib[0]);
		plib_metric("read_first", (long)lib[1]);
		return 66; /* the library's secret was read */
	}
	return 0;
}
