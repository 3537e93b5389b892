/* app.c - attack-unmap: the buffer-unmap attack on protected libraries.
 * The application may not contain SYSCALL (the loader refuses it), so it
 * looks for a "syscall; ret" gadget in the host program's code (a static
 * Go binary at 0x400000, in the host backends) and calls it to unmap,
 * remap, re-protect and re-key the argument area it shares with the
 * library. Exit 68: the kernel refused each (EPERM: the seccomp filter on
 * the image thread) and the library still answers; exit 66: one went
 * through (not stopped). Under vmfunc there is no host program in the
 * guest: the scan itself faults and is reported. */
#include "../../null/api.h"

#define SYS_MPROTECT 10
#define SYS_MUNMAP 11
#define SYS_MREMAP 25
#define SYS_PKEY_MPROTECT 329

static long call_gadget(const unsigned char *g, long nr, long a0, long a1, long a2, long a3)
{
	long ret;
	register long r10 __asm__("r10") = a3; /* the 4th system-call argument */
	/* rax = system call number, rdi, rsi, rdx, r10 = arguments; the
	 * gadget's SYSCALL clobbers rcx and r11, its RET comes back here */
	__asm__ volatile("call *%1"
			 : "=a"(ret)
			 : "r"(g), "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "r8", "r9", "memory");
	return ret;
}

int main(void)
{
	plib_print("attack-unmap: looking for a syscall gadget in the host program\n");
	const unsigned char *p = (const unsigned char *)0x401000, *gadget = 0;
	for (long i = 0; i < (16 << 20) && !gadget; i++)
		if (p[i] == 0x0f && p[i + 1] == 0x05 && p[i + 2] == 0xc3)
			gadget = p + i;
	if (!gadget) {
		plib_print("attack-unmap: no gadget found\n");
		return 67;
	}
	char *args = plib_args(NULL_LIB);
	static const long calls[] = {SYS_MUNMAP, SYS_MREMAP, SYS_MPROTECT, SYS_PKEY_MPROTECT};
	for (int i = 0; i < 4; i++) {
		/* munmap(args, 4096); mremap(args, 4096, 4096, 0) moves nothing
		 * but is refused outright; mprotect(args, 4096, PROT_NONE = 0) and
		 * pkey_mprotect(args, 4096, 0, key 0) too. */
		long r = call_gadget(gadget, calls[i], (long)args, 4096, calls[i] == SYS_MREMAP ? 4096 : 0, 0);
		plib_metric("syscall_result", r);
		if (r != -1) { /* not -EPERM */
			plib_print("attack-unmap: the kernel let the app change the library's argument area\n");
			return 66;
		}
	}
	plib_print("attack-unmap: unmap, remap, re-protect and re-key of the shared argument area refused\n");
	if (plib_call(NULL_ADD, 40, 2, 0, 0) != 42)
		return 1;
	args[0] = 1; /* still mapped, still writable */
	return 68;
}
