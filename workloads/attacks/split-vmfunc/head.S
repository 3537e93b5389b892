/* head.S - the first bytes of the library's code: the rest of the split
 * VMFUNC, then a return to the application. */
	.section .plib.head, "ax"
	.byte 0xd4
	ret
	.section .note.GNU-stack, "", @progbits	/* no executable stack */
