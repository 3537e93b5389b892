/* gadget.h - the borrowed-SYSCALL attacks' shared part. Image code may
 * not contain SYSCALL, so these attacks look for a "syscall; ret"
 * sequence in the executable memory below the image (in the host
 * backends, the loader's code at 0x400000) and call it like a function.
 * Under vmfunc nothing is mapped there: the search itself faults. */
#ifndef ATTACK_GADGET_H
#define ATTACK_GADGET_H
#include "plib.h"

/* The first "syscall; ret" at or above 0x401000, or 0 (16 MiB searched). */
static const unsigned char *find_syscall_ret(void)
{
	const unsigned char *p = (const unsigned char *)0x401000;
	for (long i = 0; i < (16 << 20); i++)
		if (p[i] == 0x0f && p[i + 1] == 0x05 && p[i + 2] == 0xc3)
			return p + i;
	return 0;
}

/* System call nr with a0..a3 through the gadget g: rax = number, rdi,
 * rsi, rdx, r10 = arguments; SYSCALL clobbers rcx and r11, and the
 * gadget's RET comes back here. */
static long call_gadget(const unsigned char *g, long nr, long a0, long a1, long a2, long a3)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	__asm__ volatile("call *%1"
			 : "=a"(ret)
			 : "r"(g), "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "r8", "r9", "memory");
	return ret;
}

#endif
