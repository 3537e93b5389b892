/* libc.c - replaces musl's src/internal/libc.c for plib domains: musl's
 * start code (__init_libc, which makes system calls) never runs in a
 * domain, so what it would set is set statically here. auxv is an empty
 * vector (mallocng's secret then comes from an address, not AT_RANDOM);
 * the page size is the constant x86-64 page. Each domain links its own
 * copy, so each has its own __libc. */
#include "libc.h"

static size_t no_auxv[2]; /* AT_NULL: no auxiliary vector */

struct __libc __libc = {
	.auxv = no_auxv,
	.page_size = 4096,
};

size_t __hwcap;
char *__progname = "", *__progname_full = "";

weak_alias(__progname, program_invocation_short_name);
weak_alias(__progname_full, program_invocation_name);
