/* app.c - attack-trap: the application sets RFLAGS.TF and calls the
 * library, hoping to single-step it (each step a debug trap that shows
 * the library's registers). The trap fires on the app's own side of the
 * gate, before any library instruction runs, and the platform stops the
 * run there. Exit 66: the call came back, with the library run under
 * the app's trap flag. */
#include "../../null/api.h"

int main(void)
{
	plib_print("attack-trap: TF set, then a library call\n");
	long rax = PLIB_GATE_PAGE + PLIB_GATE_CALL_OFF, rdi = NULL_PEEK;
	/* Operands by constraint letter: a register variable would not
	 * survive a function call made before the asm. */
	__asm__ volatile("pushfq\n\t"
			 "orq $0x100, (%%rsp)\n\t" /* TF */
			 "popfq\n\t"
			 "call *%%rax\n\t"
			 "pushfq\n\t"
			 "andq $~0x100, (%%rsp)\n\t"
			 "popfq"
			 : "+a"(rax), "+D"(rdi)
			 :
			 : "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
	plib_metric("result", rax);
	plib_print("attack-trap: the call returned under the trap flag\n");
	return PLIB_ATTACK_WON;
}
