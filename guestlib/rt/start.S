/* start.S - the application's entry point: main(), then libc's exit
 * with its result. The loader starts it with rsp at the top of the app stack. */
#include "plib_abi.h"

	.text
	.globl _start
_start:
	and $-16, %rsp			/* ABI: aligned before the call */
	call main
	mov %eax, %edi			/* exit code */
	call exit			/* libc's: flushes stdio, then exits through the shim */
	ud2				/* exit does not return */
	.section .note.GNU-stack, "", @progbits
