/* head.S - the first bytes of the library's code: the rest of the split
 * WRPKRU, then a return to the application. */
	.section .plib.head, "ax"
	.byte 0xef
	ret
	.section .note.GNU-stack, "", @progbits	/* no executable stack */
