/* memmove.c - memmove for every domain, beside rt.c's memcpy: musl's
 * x86-64 memmove jumps into its own memcpy (__memcpy_fwd), which would
 * then clash with rt.c's. Not in rt.c, which the hypervisor links too. */
#include "plib.h"

void *memmove(void *dst, const void *src, size_t n);

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n); /* rep movsb forward reads each byte before it is overwritten */
	d += n - 1;
	s += n - 1;
	/* std: rep movsb then copies downwards, from the last byte; cld
	 * restores the direction the ABI requires. */
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}
