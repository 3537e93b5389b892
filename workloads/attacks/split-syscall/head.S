/* head.S - the first bytes of the library's code: the rest of the split
 * SYSCALL, then a return to the application. */
	.section .plib.head, "ax"
	.byte 0x05
	ret
	.section .note.GNU-stack, "", @progbits	/* no executable stack */
