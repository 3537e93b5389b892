/* tls.c - a domain's TLS block, linked into every domain (not into the
 * hypervisor mode, which has no libc). */
#include "plib.h"

/* This domain's TLS block, first in its data section (mkimage): its thread
 * pointer (FS base) points here. The trusted loader writes the self
 * pointer (offset 0) and the per-run stack canary (offset 0x28, where
 * -fstack-protector reads it) before any code of the domain runs. */
/* The block is also musl's struct pthread for this domain's one thread,
 * filled here as musl's start code (which never runs in a domain) would
 * fill it: a thread list of itself, joinable, an empty robust list, and
 * the C locale, so that errno, strerror and locale-aware calls work. */
#include "../libc/tp.h"
extern char __libc[]; /* musl's struct __libc (this domain's copy) */
#define TP(off) [(off) / sizeof(void *)]
__attribute__((section(".plib.tls"), aligned(64), used)) void *plib_tls_words[PLIB_TLS_BYTES / sizeof(void *)] = {
	TP(PLIB_TP_PREV) = plib_tls_words,
	TP(PLIB_TP_NEXT) = plib_tls_words,
	TP(PLIB_TP_TID) = (void *)1,                /* int tid: not 0, which locks read as free */
	TP(PLIB_TP_DETACH) = (void *)PLIB_TP_JOINABLE, /* int detach_state */
	TP(PLIB_TP_ROBUST) = &plib_tls_words[PLIB_TP_ROBUST / sizeof(void *)],
	TP(PLIB_TP_LOCALE) = __libc + PLIB_LIBC_GLOBAL_LOCALE,
};
extern unsigned char plib_tls[PLIB_TLS_BYTES] __attribute__((alias("plib_tls_words")));

