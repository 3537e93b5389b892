/* lib.c - the tls library: reads and writes its TLS through its thread
 * pointer, as musl's errno and the stack protector do. */
#include "api.h"

static uint64_t fs_read(long off)
{
	uint64_t v;
	__asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(off));
	return v;
}

/* -1 unless FS (RDFSBASE and the self pointer) is this library's own
 * block and the canary is set; then keeps a0 at offset 0x100 of the block
 * (through FS) and returns what the previous call kept there. */
static long check(long a0, long a1, long a2, long a3)
{
	uint64_t base;
	__asm__ volatile("rdfsbase %0" : "=r"(base));
	if (base != (uint64_t)plib_tls || fs_read(PLIB_TLS_SELF) != (uint64_t)plib_tls || fs_read(PLIB_TLS_CANARY) == 0)
		return -1;
	long prev = (long)fs_read(0x100);
	__asm__ volatile("mov %0, %%fs:0x100" : : "r"(a0) : "memory");
	return prev;
}

static long self(long a0, long a1, long a2, long a3)
{
	return (long)fs_read(PLIB_TLS_SELF);
}

static long canary(long a0, long a1, long a2, long a3)
{
	return (long)fs_read(PLIB_TLS_CANARY);
}

/* Writes n bytes into a 16-byte buffer on its stack: past 16 they run
 * over the canary -fstack-protector-strong put above it. */
static long smash(long n, long a1, long a2, long a3)
{
	volatile char buf[16];
	for (long i = 0; i < n; i++)
		buf[i] = 'A';
	return buf[0];
}

PLIB_EXPORT(0, check);
PLIB_EXPORT(3, smash);
PLIB_EXPORT(1, self);
PLIB_EXPORT(2, canary);
