/* rt.c - the freestanding helpers every domain links its own copy of:
 * a domain must never call code that lives in another domain's pages. */
#include "plib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	/* rep movsb: the CPU's own fast string copy (ERMSB) */
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t plib_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}
