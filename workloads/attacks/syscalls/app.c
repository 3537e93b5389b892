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
#include "../gadget.h"

#define SYS_PROCESS_VM_WRITEV 311

int main(void)
{
	long nr = plib_param("nr", SYS_PROCESS_VM_WRITEV);
	const unsigned char *gadget = find_syscall_ret();
	if (!gadget)
		return PLIB_ATTACK_NOT_APPLICABLE;
	plib_metric("nr", nr);
	char *args = plib_args(1);
	/* Plausible arguments: the argument area it shares with the library. */
	long r = call_gadget(gadget, nr, (long)args, 4096, 0, 0);
	plib_metric("result", r);
	return PLIB_ATTACK_WON;
}
