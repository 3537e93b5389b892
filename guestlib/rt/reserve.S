/* reserve.S - reserves the three gate pages and the two gate data pages
 * in every image. Their contents here are placeholders: the loader
 * overwrites them with the chosen backend's trusted code and tables. */
	.section .plib.gate, "ax", @progbits
	.fill 3 * 4096, 1, 0xcc		/* int3: never runs as shipped */
	.section .plib.gatedata, "a", @progbits
	.fill 8192, 1, 0
	.section .note.GNU-stack, "", @progbits
