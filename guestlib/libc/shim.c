/* shim.c - the one place a domain's system calls go (musl's syscall_arch.h
 * routes every one here; no domain executes a syscall instruction). Each
 * case below is the whole of what libc may ask of the platform; anything
 * not listed is refused with -ENOSYS, and musl reports that as failure.
 * Linked into every domain, so each domain's memory is its own heap. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include "plib.h"

#define PAGE 4096ul

/* The part of this domain's heap (PLIB_LIBRARY_HEAP) libc manages: claimed
 * whole, on libc's first request, from what plib_alloc has not handed out
 * (plib_alloc then has nothing left). brk grows up from lo; anonymous
 * mappings are carved down from hi; neither ever crosses the other or
 * leaves [lo, hi). */
static uintptr_t lo, hi, brk_cur, map_low;
/* Unmapped ranges not at the low end, for mmap to reuse (exact length). */
static struct { uintptr_t at, len; } holes[32];

static int claim(void)
{
	if (lo)
		return 0;
	uint64_t left = plib_heap_size - plib_heap_used();
	left &= ~(PAGE - 1);
	char *p = left ? plib_alloc(left) : NULL;
	if (!p || ((uintptr_t)p & (PAGE - 1))) /* the area is page-aligned */
		return -1;
	lo = brk_cur = (uintptr_t)p;
	hi = map_low = lo + left;
	return 0;
}

/* brk(0) reports the break; brk(a) moves it to a when a stays between the
 * heap's start and the lowest mapping, and otherwise leaves it (Linux's
 * contract: the old break back means failure). */
static long sys_brk(uintptr_t a)
{
	if (claim() < 0)
		return 0;
	if (a >= lo && a <= map_low)
		brk_cur = a;
	return (long)brk_cur;
}

/* Anonymous private memory only (what mallocng asks for), at an address of
 * the shim's choosing, zeroed as the kernel's would be. */
static long sys_mmap(uintptr_t addr, uint64_t len, long flags, long fd)
{
	if (addr || fd != -1 || (flags & (MAP_FIXED | MAP_SHARED)) || !(flags & MAP_ANONYMOUS))
		return -ENOSYS;
	if (claim() < 0 || !len || len > hi - lo)
		return -ENOMEM;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	for (unsigned i = 0; i < sizeof holes / sizeof holes[0]; i++)
		if (holes[i].len == len) { /* reuse a hole of this length */
			uintptr_t p = holes[i].at;
			holes[i].len = 0;
			memset((void *)p, 0, len);
			return (long)p;
		}
	if (len > map_low - brk_cur)
		return -ENOMEM;
	map_low -= len;
	memset((void *)map_low, 0, len);
	return (long)map_low;
}

/* Unmapping the lowest mapping gives its pages back to both sides; any
 * other becomes a hole (lost once the table is full). A range outside the
 * mappings is refused. */
static long sys_munmap(uintptr_t a, uint64_t len)
{
	len = (len + PAGE - 1) & ~(PAGE - 1);
	if (!lo || a < map_low || a > hi || len > hi - a || (a & (PAGE - 1)))
		return -EINVAL;
	if (a == map_low) {
		map_low += len;
		return 0;
	}
	for (unsigned i = 0; i < sizeof holes / sizeof holes[0]; i++)
		if (!holes[i].len) {
			holes[i].at = a;
			holes[i].len = len;
			break;
		}
	return 0;
}

/* Writes to standard output and error are the run's output; other
 * descriptors do not exist. */
static long sys_writev(long fd, const struct iovec *iov, long n)
{
	long total = 0;
	if (fd != 1 && fd != 2)
		return -EBADF;
	for (long i = 0; i < n; i++) {
		if (!iov[i].iov_len)
			continue; /* stdio's empty second vector: {NULL, 0}, which the platform refuses as a buffer */
		plib_printn(iov[i].iov_base, iov[i].iov_len);
		total += (long)iov[i].iov_len;
	}
	return total;
}

/* The host's realtime and monotonic clocks (one platform call); other
 * clocks (a process's CPU time, say) are not offered. */
static long sys_clock_gettime(long clk, struct timespec *ts)
{
	long which;
	if (clk == CLOCK_REALTIME)
		which = PLIB_CLOCK_REALTIME;
	else if (clk == CLOCK_MONOTONIC)
		which = PLIB_CLOCK_MONOTONIC;
	else
		return -EINVAL;
	long ns = plib_sys(PLIB_SYS_CLOCK, which, 0, 0);
	if (ns < 0)
		return -EINVAL;
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

long __plib_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	(void)a6;
	switch (n) {
	case SYS_brk:
		return sys_brk((uintptr_t)a1);
	case SYS_mmap: /* (addr, len, prot, flags, fd, off) */
		return sys_mmap((uintptr_t)a1, (uint64_t)a2, a4, a5);
	case SYS_munmap:
		return sys_munmap((uintptr_t)a1, (uint64_t)a2);
	case SYS_mremap: /* mallocng's realloc then copies instead */
		return -ENOMEM;
	case SYS_write: {
		struct iovec v = {(void *)a2, (size_t)a3};
		return sys_writev(a1, &v, 1);
	}
	case SYS_writev:
		return sys_writev(a1, (const struct iovec *)a2, a3);
	case SYS_ioctl: /* no terminal: stdout is fully buffered */
		return -ENOTTY;
	case SYS_exit:
	case SYS_exit_group:
		plib_exit(a1);
		return -ENOSYS; /* not reached */
	case SYS_clock_gettime: /* time, gettimeofday and clock call it too */
		return sys_clock_gettime(a1, (struct timespec *)a2);
	default:
		return -ENOSYS;
	}
}
