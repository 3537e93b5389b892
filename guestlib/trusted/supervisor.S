/*
 * supervisor.S - the vmfunc guest's only ring-0 code (trusted, loaded by
 * the VMM at PLIB_SUP_CODE, read-only and supervisor-only in every view).
 *
 * One 16-byte stub per exception vector 0..31 reports the frame to the
 * VMM through PLIB_PORT_FAULT and never returns: the VMM either stops the
 * workload (a fault) or moves the vCPU's state to another view (a #UD on
 * VMFUNC, emulated). Frame at rsp: rdx, vector, error code, rip, cs,
 * rflags, rsp, ss.
 */
#include "plib_abi.h"

	.code64
	.text
	.globl sup_vectors
sup_vectors:
	.set vec, 0
	.rept 32
	.balign 16
	/* vectors 8, 10-14, 17, 21, 29, 30 push an error code; the rest get a 0 */
	.if (vec - 8) && ((vec < 10) || (vec > 14)) && (vec - 17) && (vec - 21) && (vec - 29) && (vec - 30)
	push $0
	.endif
	push $vec
	jmp report
	.set vec, vec + 1
	.endr

	.balign 16
report:
	push %rdx			/* rdx is the only register the report clobbers */
	mov $PLIB_PORT_FAULT, %dx
	out %al, (%dx)			/* exit: the VMM reads the frame */
1:	hlt				/* never resumed here */
	jmp 1b
