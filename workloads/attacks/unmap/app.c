/* app.c - attack-unmap: the buffer-unmap attack on protected libraries.
 * The application may not contain SYSCALL (the loader refuses it), so it
 * borrows a "syscall; ret" sequence (../gadget.h) and calls it to unmap,
 * remap, re-protect and re-key the argument area it shares with the
 * library. Under the host backends the image process's seccomp filter
 * ends the run at the first (SIGSYS, seen by the supervisor); exit 68
 * would mean the kernel refused each with EPERM and the library still
 * answers; exit 66: one went through (not stopped). Under vmfunc there is
 * nothing to borrow: the search itself faults and is reported. */
#include "../../null/api.h"
#include "../gadget.h"

#define SYS_MPROTECT 10
#define SYS_MUNMAP 11
#define SYS_MREMAP 25
#define SYS_PKEY_MPROTECT 329

int main(void)
{
	plib_print("attack-unmap: looking for a syscall; ret sequence to borrow\n");
	const unsigned char *gadget = find_syscall_ret();
	if (!gadget) {
		plib_print("attack-unmap: no gadget found\n");
		return PLIB_ATTACK_NOT_APPLICABLE;
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
			return PLIB_ATTACK_WON;
		}
	}
	plib_print("attack-unmap: unmap, remap, re-protect and re-key of the shared argument area refused\n");
	if (plib_call(NULL_ADD, 40, 2, 0, 0) != 42)
		return 1;
	args[0] = 1; /* still mapped, still writable */
	return PLIB_ATTACK_REFUSED;
}
