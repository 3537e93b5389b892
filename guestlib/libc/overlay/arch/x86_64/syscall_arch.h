/* syscall_arch.h - plib's replacement for musl's x86_64 system-call layer.
 * A domain never executes a syscall instruction (the loader refuses any
 * image holding one): every system call musl would make is a plain C call
 * to __plib_syscall, the domain's audited shim (guestlib/libc/shim.c),
 * which maps the few it allows to plib platform calls and answers -ENOSYS
 * to the rest. No VDSO: clock_gettime goes through the shim too. */
#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long __plib_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

static __inline long __syscall0(long n)
{
	return __plib_syscall(n, 0, 0, 0, 0, 0, 0);
}

static __inline long __syscall1(long n, long a1)
{
	return __plib_syscall(n, a1, 0, 0, 0, 0, 0);
}

static __inline long __syscall2(long n, long a1, long a2)
{
	return __plib_syscall(n, a1, a2, 0, 0, 0, 0);
}

static __inline long __syscall3(long n, long a1, long a2, long a3)
{
	return __plib_syscall(n, a1, a2, a3, 0, 0, 0);
}

static __inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return __plib_syscall(n, a1, a2, a3, a4, 0, 0);
}

static __inline long __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	return __plib_syscall(n, a1, a2, a3, a4, a5, 0);
}

static __inline long __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return __plib_syscall(n, a1, a2, a3, a4, a5, a6);
}

#define IPC_64 0
