/* lib.c - the library-side runtime, linked into every protected library;
 * an application links only its heap (plib_alloc, which libc's shim uses). */
#include "plib.h"

/* The heap PLIB_LIBRARY_HEAP declares (heap.c's empty one otherwise). */
extern char plib_heap_area[];

static uint64_t heap_used;

#ifdef PLIB_LIB_ID
/* True when [off, off+len) lies inside this library's argument area,
 * computed without overflow. */
static int in_args(uint64_t off, uint64_t len)
{
	uint64_t size = plib_args_size(PLIB_LIB_ID);
	return off <= size && len <= size - off;
}

int plib_copy_in(void *dst, uint64_t off, uint64_t len)
{
	if (!in_args(off, len))
		return -1;
	memcpy(dst, plib_args(PLIB_LIB_ID) + off, len);
	return 0;
}

int plib_copy_out(uint64_t off, const void *src, uint64_t len)
{
	if (!in_args(off, len))
		return -1;
	memcpy(plib_args(PLIB_LIB_ID) + off, src, len);
	return 0;
}

long plib_secret(void *buf, uint64_t n)
{
	const unsigned char *area = plib_tls + PLIB_TLS_SECRET;
	uint64_t len = *(const uint64_t *)area;
	if (len > PLIB_SECRET_MAX) /* not the loader's: nothing is trusted that it did not write */
		return -1;
	if (n == 0)
		return (long)len;
	if (n < len)
		return -1;
	memcpy(buf, area + 8, len);
	return (long)len;
}
#endif

uint64_t plib_heap_used(void)
{
	return heap_used;
}

void *plib_alloc(uint64_t bytes)
{
	uint64_t want = (bytes + 15) & ~(uint64_t)15;
	if (want < bytes || want > plib_heap_size - heap_used)
		return NULL;
	void *p = plib_heap_area + heap_used;
	heap_used += want;
	return p;
}
