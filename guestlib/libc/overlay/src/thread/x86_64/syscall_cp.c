/* syscall_cp.c - replaces musl's syscall_cp.s (which holds a syscall
 * instruction): a domain has one thread and no signals, so a cancellable
 * system call is a plain one through the shim. The three labels are the
 * cancellation handler's bounds; it never runs (no signals), so they only
 * need to exist. */
#include "pthread_impl.h"

hidden const char __cp_begin[1], __cp_end[1], __cp_cancel[1];

hidden long __syscall_cp_asm(volatile int *cancel, syscall_arg_t n,
	syscall_arg_t a, syscall_arg_t b, syscall_arg_t c,
	syscall_arg_t d, syscall_arg_t e, syscall_arg_t f)
{
	(void)cancel;
	return __plib_syscall(n, a, b, c, d, e, f);
}
