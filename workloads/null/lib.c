/* lib.c - the null library: a secret only the library can read, an
 * empty function and an adder. peek comes first so that it starts the
 * library's code: attack-exec calls the first code address, and under
 * every backend that call must not get at the secret. */
#include "api.h"

PLIB_LIBRARY_HEAP(4096);

/* Private data at the start of the library's data section, after its TLS
 * block (the attacks read it at PLIB_TLS_BYTES). */
volatile uint64_t null_secret[2] = {0x5ec2e75ec2e7aaaaULL, 0x5ec2e75ec2e7bbbbULL};

__attribute__((noinline)) static long peek(long a0, long a1, long a2, long a3)
{
	return (long)(null_secret[0] ^ null_secret[1]);
}

static long noop(long a0, long a1, long a2, long a3)
{
	return 0;
}

static long add(long a0, long a1, long a2, long a3)
{
	return a0 + a1;
}

/* Crashes the library mid-call (a write to address 0): lib-crash uses it
 * to show that a library's failure reaches its caller as an error. */
static long crash(long a0, long a1, long a2, long a3)
{
	*(volatile long *)0 = a0;
	return 0;
}

/* Reads the secret n times; returns its digest if every read agreed
 * (signal-call interrupts it with signals and checks the answer). */
static long spin(long n, long a1, long a2, long a3)
{
	uint64_t d = null_secret[0] ^ null_secret[1];
	for (long i = 0; i < n; i++)
		if ((null_secret[0] ^ null_secret[1]) != d)
			return -1;
	return (long)d;
}

PLIB_EXPORT(0, noop);
PLIB_EXPORT(1, add);
PLIB_EXPORT(2, peek);
PLIB_EXPORT(3, crash);
PLIB_EXPORT(4, spin);
