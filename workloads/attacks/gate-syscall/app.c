/* app.c - attack-gate-syscall: borrow the gate's own SYSCALL. The filter
 * admits system calls only from the gate pages, so the app finds a
 * SYSCALL instruction in the gate page and jumps onto it with a call of
 * its choosing: mprotect of its own code to writable and executable,
 * mmap of new executable memory, and a futex operation that writes
 * memory. The filter checks the number and the arguments too: each is a
 * violation. Exit 66: one went through. Under vmfunc the gate holds no
 * SYSCALL: exit 67. */
#include "plib.h"

#define SYS_MPROTECT 10

extern char __plib_sec_plib_app_text[];

int main(void)
{
	const unsigned char *g = (const unsigned char *)PLIB_GATE_PAGE, *sys = 0;
	for (long i = 0; i + 1 < 3 * 4096 && !sys; i++)
		if (g[i] == 0x0f && g[i + 1] == 0x05)
			sys = g + i;
	if (!sys)
		return 67;
	plib_print("attack-gate-syscall: mprotect(app code, RWX) from the gate's SYSCALL\n");
	long ret;
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "push %%r11\n\t"		/* somewhere to come back to, if it does */
			 "jmp *%[sys]\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(SYS_MPROTECT), "D"(__plib_sec_plib_app_text), "S"(4096), "d"(7), [sys] "r"(sys)
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	plib_metric("mprotect_result", ret);
	return 66;
}
