/* app.c - attack-caller: a forged caller. The app asks the platform to
 * print the vault's private record, pretending the library asks: it
 * pushes an address inside the library's code as the return address and
 * jumps straight to the platform routine, as a library's own call would
 * look on the stack. The platform must take the caller from what only the
 * library can write (its trusted slot shows no call open), never from the
 * app's stack: the request is the app's, and the app may not read the
 * library's memory, so the platform refuses it (a platform-call
 * violation) before printing anything. Had it printed, the routine's
 * return would land in the library's code: a later fault would hide that
 * the print happened, so the tests require the refusal itself. */
#include "plib.h"

extern char __plib_sec_plib_lib_vault_text[];
extern char __plib_sec_plib_lib_vault_data[];

int main(void)
{
	plib_print("attack-caller: a platform print of the vault's memory, posing as the vault\n");
	long rdi = PLIB_SYS_PRINT, rsi = (long)__plib_sec_plib_lib_vault_data, rdx = 64;
	long sys = PLIB_GATE_PAGE + PLIB_GATE_SYS_OFF;
	__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"		/* where the forged call really returns */
			 "push %[lib]\n\t"		/* the 'caller': the vault's code */
			 "jmp *%[sys]\n"
			 "1:"
			 : "+D"(rdi), "+S"(rsi), "+d"(rdx)
			 : [lib] "r"(__plib_sec_plib_lib_vault_text + 16), [sys] "r"(sys)
			 : "rax", "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	plib_print("attack-caller: the platform printed the vault's memory\n");
	return PLIB_ATTACK_WON;
}
