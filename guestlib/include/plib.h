/*
 * plib.h - the API for workload authors.
 *
 * An image is one application (domain 0) plus up to seven protected
 * libraries (domains 1..7). The build compiles each library's files with
 * -DPLIB_LIB=<name> -DPLIB_LIB_ID=<id>; application files get neither.
 *
 * Application side:
 *   long r = plib_call(PLIB_ENTRY(LIB_ID, FN_ID), a0, a1, a2, a3);
 *   char *args = plib_args(LIB_ID);   // the library's argument area
 * Arguments that are not plain numbers go through the argument area: the
 * app writes them there and passes offsets, never pointers.
 *
 * Library side:
 *   PLIB_LIBRARY_HEAP(bytes);         // once per library: its private heap
 *   PLIB_EXPORT(FN_ID, function);     // function takes up to 4 longs
 *   plib_copy_in(private, off, len);  // validate + copy an argument in
 *   plib_copy_out(off, private, len); // copy a result out, last
 *   plib_alloc(bytes);                // private heap memory
 *
 * Platform calls, the same under every backend: plib_exit, plib_print,
 * plib_metric, plib_param, plib_nop, plib_rdtsc.
 * Timing (application side): plib_report_rounds(name, per_round, rounds).
 */
#ifndef PLIB_H
#define PLIB_H

#include <stddef.h>
#include <stdint.h>
#include "plib_abi.h"

#define PLIB_STR_(x) #x
#define PLIB_STR(x) PLIB_STR_(x)
#define PLIB_CAT_(a, b) a##b
#define PLIB_CAT(a, b) PLIB_CAT_(a, b)

/* The entry index of function fn of library lib. */
#define PLIB_ENTRY(lib, fn) ((lib) * PLIB_MAX_FUNCS + (fn))

typedef long (*plib_gate_call_fn)(long, long, long, long, long);
typedef long (*plib_gate_sys_fn)(long, long, long, long);

/* Calls library entry `entry` through the backend's gate. */
/* This domain's own TLS block (rt.c): its thread pointer (FS base) points
 * here, with the block's address at offset PLIB_TLS_SELF and the run's
 * stack canary at PLIB_TLS_CANARY, both written by the trusted loader. */
extern unsigned char plib_tls[PLIB_TLS_BYTES];

static inline long plib_call(long entry, long a0, long a1, long a2, long a3)
{
	return ((plib_gate_call_fn)(PLIB_GATE_PAGE + PLIB_GATE_CALL_OFF))(
		entry, a0, a1, a2, a3);
}

/* Which application instance this is (0..plib_apps()-1), and how many
 * run. An image whose app says PLIB_APPS(n) runs n instances of its
 * application, each in its own address space on its own vCPU or thread,
 * sharing every library's data and heap (not its stack or argument
 * area). Readable from the header page by apps and libraries alike. */
static inline long plib_app_id(void);
static inline long plib_apps(void);

/* A platform call: handled by the VMM or the host backend. */
static inline long plib_sys(long nr, long a0, long a1, long a2)
{
	return ((plib_gate_sys_fn)(PLIB_GATE_PAGE + PLIB_GATE_SYS_OFF))(
		nr, a0, a1, a2);
}

static inline uint64_t plib_header(unsigned off)
{
	return *(volatile const uint64_t *)(uintptr_t)(PLIB_GATE_DATA + off);
}

static inline long plib_app_id(void) { return (long)plib_header(PLIB_HDR_APP); }
static inline long plib_apps(void) { return (long)plib_header(PLIB_HDR_APPS); }

/* The argument area of library `lib` (readable and writable by the app
 * and by that library only), and its size. */
static inline char *plib_args(int lib)
{
	return (char *)(uintptr_t)plib_header(PLIB_HDR_ARGBASE + 8 * lib);
}
static inline uint64_t plib_args_size(int lib)
{
	return plib_header(PLIB_HDR_ARGSIZE + 8 * lib);
}

/* Here, not in rt.c, so that the header's helpers below need nothing the
 * runtime defines: rt.c builds on this header, never the other way. */
static inline size_t plib_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static inline void plib_exit(long code) { plib_sys(PLIB_SYS_EXIT, code, 0, 0); }
static inline void plib_nop(void) { plib_sys(PLIB_SYS_NOP, 0, 0, 0); }
/* Whether application instance app still runs (1), has ended (0), or
 * cannot be told (-1): how a library learns that a caller holding one of
 * its locks died mid-call. */
static inline long plib_app_alive(long app)
{
	return plib_sys(PLIB_SYS_APP_ALIVE, app, 0, 0);
}
/* For the adversarial suite: the platform keeps rewriting [p, p+n) of the
 * application's own writable memory (its data, stack or a library's
 * argument area) from another thread until plib_scribble(0, 0) or the end
 * of the run, as a second application thread would while a library call
 * runs. Returns 0, or -1 where the backend has no such thread. */
static inline long plib_scribble(void *p, size_t n)
{
	return plib_sys(PLIB_SYS_SCRIBBLE, (long)p, (long)n, 0);
}
static inline void plib_printn(const char *s, size_t n)
{
	plib_sys(PLIB_SYS_PRINT, (long)s, (long)n, 0);
}
static inline void plib_print(const char *s) { plib_printn(s, plib_strlen(s)); }
/* Formatted output through plib_print: %d %u %x (and %ld %lu %lx), %s, %c
 * and %%, with an optional width and zero padding (%08lx, %5d). Returns the
 * bytes written. */
int plib_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports a named metric of the run (a name of at most 64 bytes). */
static inline void plib_metric(const char *name, long value)
{
	plib_sys(PLIB_SYS_METRIC, (long)name, (long)plib_strlen(name), value);
}
/* A parameter given with `vmm run --param name=value`, or def. */
static inline long plib_param(const char *name, long def)
{
	return plib_sys(PLIB_SYS_PARAM, (long)name, (long)plib_strlen(name), def);
}
/* The time-stamp counter, ordered after earlier instructions. */
static inline uint64_t plib_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

#ifndef PLIB_LIB
/* Asks for n instances of the application (1..PLIB_MAX_APPS); once. */
#define PLIB_APPS(n)                                                         \
	__attribute__((section(".plib.apps"), used)) static const uint32_t \
		plib_apps_wanted = (n)

/* The longest metric name plib_report_rounds handles, "s:" included. */
#define PLIB_SAMPLE_NAME_MAX 64
/* Reports the median of `rounds` per-round figures as metric `name`
 * (sorting `per`); with param samples=1, first every round as metric
 * "s:name", for vmm compare's statistics. */
void plib_report_rounds(const char *name, uint64_t *per, long rounds);
#endif

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Declares the domain's private heap of `bytes` bytes, at most once, in a
 * library or an application; a domain without it has no heap (plib_alloc
 * returns NULL, malloc fails). libc's malloc claims what plib_alloc has not
 * handed out on its first request. */
#define PLIB_LIBRARY_HEAP(bytes)                                             \
	char plib_heap_area[(bytes)] __attribute__((aligned(4096)));         \
	const uint64_t plib_heap_size = (bytes)
extern const uint64_t plib_heap_size;
/* Private heap memory (16-byte aligned), or NULL when the heap is full. */
void *plib_alloc(uint64_t bytes);
/* Bytes of the private heap handed out so far. */
uint64_t plib_heap_used(void);

#ifdef PLIB_LIB
/* One record per exported function, read by the loader (section
 * .plib.exports); the loader builds the gate's entry table from them. */
struct plib_export {
	uint32_t lib_id;
	uint32_t fn_id;
	char lib[24];
	char fn[32];
	uint64_t addr;
};

#define PLIB_EXPORT(fn_id, fn)                                               \
	__attribute__((section(".plib.exports"), used, aligned(8))) static const struct \
		plib_export PLIB_CAT(plib_export_, fn) = {                   \
			PLIB_LIB_ID, (fn_id), PLIB_STR(PLIB_LIB), #fn,       \
			(uint64_t)(uintptr_t)(fn)}


/* Copies len bytes at offset off of this library's argument area into
 * private memory. Returns 0, or -1 (nothing copied) when the range is not
 * inside the argument area. */
int plib_copy_in(void *dst, uint64_t off, uint64_t len);
/* Copies len private bytes out to offset off of the argument area. */
int plib_copy_out(uint64_t off, const void *src, uint64_t len);
/* Copies this library's secret (vmm run --secret LIB=FILE, which the
 * trusted loader placed in its own TLS block) into buf: returns its
 * length (0: none given), or -1 with nothing copied when n is smaller;
 * n = 0 asks for the length alone. */
long plib_secret(void *buf, uint64_t n);
#endif

#endif
