/* start.S - the application's entry point: main(), then exit with its
 * result. The loader starts it with rsp at the top of the app stack. */
#include "plib_abi.h"

	.text
	.globl _start
_start:
	and $-16, %rsp			/* ABI: aligned before the call */
	call main
	mov %rax, %rsi			/* exit code */
	mov $PLIB_SYS_EXIT, %edi
	mov $(PLIB_GATE_PAGE + PLIB_GATE_SYS_OFF), %eax
	call *%rax
	ud2				/* exit does not return */
	.section .note.GNU-stack, "", @progbits
