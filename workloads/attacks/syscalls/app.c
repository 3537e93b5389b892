/* app.c - attack-syscalls: one system call that could reach a library's
 * memory or rights, or escape the image's process, made through a
 * borrowed "syscall; ret" (see attack-procmem for the search). The call
 * is chosen with --param nr=N (default: process_vm_writev); the tests run
 * each of them: process_vm_readv/writev, ptrace, rt_sigreturn with a
 * forged frame, io_uring_setup, userfaultfd, madvise and mremap of the
 * shared argument area, clone, execve, arch_prctl, modify_ldt, mmap of
 * executable memory, kill, write to descriptor 3 (a forged result).
 * Every one ends the run in the host backends (SIGSYS); exit 66 means the
 * kernel ran it. Under vmfunc there is nothing to borrow: the search
 * faults. */
#include "plib.h"

#define SYS_PROCESS_VM_WRITEV 311

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

int main(void)
{
	long nr = plib_param("nr", SYS_PROCESS_VM_WRITEV);
	const unsigned char *p = (const unsigned char *)0x401000, *gadget = 0;
	for (long i = 0; i < (16 << 20) && !gadget; i++)
		if (p[i] == 0x0f && p[i + 1] == 0x05 && p[i + 2] == 0xc3)
			gadget = p + i;
	if (!gadget)
		return 67;
	plib_metric("nr", nr);
	char *args = plib_args(1);
	/* Plausible arguments: the argument area it shares with the library. */
	long r = call_gadget(gadget, nr, (long)args, 4096, 0, 0);
	plib_metric("result", r);
	return 66;
}
