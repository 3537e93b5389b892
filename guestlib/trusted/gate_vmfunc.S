/*
 * gate_vmfunc.S - the gate of the vmfunc backend: three pages of trusted
 * code installed by the VMM at PLIB_GATE_PAGE (images never supply their
 * own).
 *
 *   page 0 (every view):       call entry, platform calls; ends with the
 *                              VMFUNC into the callee's view
 *   page 1 (library views):    re-checks, the library call, the return
 *                              into a calling library; ends with the
 *                              VMFUNC back to the application's view
 *   page 2 (application view): the return to the application
 *
 * Each of the two main VMFUNCs straddles a page boundary: its last byte is
 * the first byte of the next page. Where VMFUNC runs in hardware every view
 * maps all three pages and nothing about that matters. Where the VMM
 * emulates it, the next page is absent from the view the VMFUNC starts in,
 * so fetching the instruction exits to the VMM at once (one exit per
 * switch) instead of raising a #UD that KVM bounces back into the guest.
 * (Calls made by a library find page 1 mapped, take the #UD path and cost
 * two exits; they work the same.)
 *
 * The gate counts the switches in each library's trusted slot (entries
 * after the switch in, returns before the switch back), so that where
 * VMFUNC runs in hardware, with no exit to count, the switches are still
 * counted rather than inferred.
 *
 * Everything after a VMFUNC is re-checked against memory the application
 * cannot write: the header page of the view it now runs in, and for a
 * return into a library, that library's own trusted slot (above its
 * stack), where the library's stack pointer was parked and a call marked
 * pending. A jump into the middle of the gate gets no further than a
 * proper call would.
 */
#include "plib_abi.h"
#include "gate_common.inc"

	.code64
	.text
gate_page:
	TP_SITES_BEGIN

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	CHECK_ENTRY_RDI bad_entry
	push %rbp			/* rbp carries the caller's view */
	mov %rcx, %r9			/* a2: rcx carries the view index */
	mov %rsp, %r11			/* the caller's stack, restored on the way out */
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rbp	/* the calling view */
	test %rbp, %rbp
	jz 1f
	/* A library calls: park its stack in its own slot, mark it pending. */
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rbp,8), %rcx
	mov %rsp, (%rcx)
	movq $1, 8(%rcx)
1:	mov PLIB_GATE_ENTRIES+PLIB_ENTRY_VIEW(%r10), %ecx
	xor %eax, %eax			/* VMFUNC leaf 0: EPTP switching */
	jmp switch_in

bad_entry:
	BAD_ENTRY_ARGS %r8		/* the VMM reads a1 from r8, a2 from rcx */
	mov $PLIB_GATE_BAD_ENTRY, %esi
	jmp 2f
bad_view:
	mov $PLIB_GATE_BAD_VIEW, %esi
	jmp 2f
reentry:
	mov $PLIB_GATE_REENTRY, %esi
	jmp 2f
bad_return:
	mov $PLIB_GATE_BAD_RETURN, %esi
2:	mov $PLIB_SYS_GATE_FAULT, %edi	/* no call: the stack may not be mapped */
	mov $PLIB_PORT_SYS, %dx
	out %al, (%dx)			/* the VMM stops the workload here */
gate_fatal:				/* for SET_TP: page 0 is mapped in every view */
	ud2

#include "vm_sys.inc"

	.org PLIB_GATE_IN - PLIB_GATE_PAGE - 2, 0xcc
switch_in:
	vmfunc				/* into the callee's view; ends in page 1 */

	/* Page 1. Now in the view named by ecx, or the caller jumped to the
	   VMFUNC with its own registers. Trust nothing but memory. */
	CHECK_ENTRY_RDI bad_view
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rax	/* differs per view */
	test %rax, %rax
	jz bad_view			/* still the application's view */
	mov PLIB_GATE_ENTRIES+PLIB_ENTRY_VIEW(%r10), %ecx
	cmp %rax, %rcx
	jne bad_view			/* entry belongs to another library */
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rax,8), %rcx
	cmpq $0, 8(%rcx)
	jne reentry			/* it is waiting on a call of its own */
	incq PLIB_SLOT_ENTRIES(%rcx)	/* a switch counted where only this view can count it */
	mov PLIB_GATE_DATA+PLIB_HDR_STACKS(,%rax,8), %rsp	/* library stack */
	SET_TP %rax, %rcx		/* its own thread pointer (a hardware VMFUNC keeps the caller's FS) */
	push %r11			/* caller's stack pointer... */
	push %rbp			/* ...and view, on the callee's stack */
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %r9, %rdx
	mov %r8, %rcx
	XSTATE_IN			/* MXCSR, x87 control word: none of the caller's */
	ENTRY_STATE			/* DF, AC, TF: none of the caller's */
	call *PLIB_GATE_ENTRIES+PLIB_ENTRY_ADDR(%r10)
	XSTATE_OUT			/* no vector, mask or x87 value of the library's goes back */
	pop %rbp
	pop %r11
	mov %rax, %r9			/* the result survives the switch in r9 */
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rax
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rax,8), %rcx
	incq PLIB_SLOT_RETURNS(%rcx)	/* the switch back, counted in the library's view */
	xor %eax, %eax
	mov %ebp, %ecx			/* back to the caller's view */
	test %ecx, %ecx
	jz switch_out
	vmfunc				/* into the calling library (page 1 is mapped there) */
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rax	/* the view we are really in */
	test %rax, %rax
	jz bad_return
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rax,8), %rcx
	cmpq $1, 8(%rcx)
	jne bad_return			/* it made no call: not a return */
	movq $0, 8(%rcx)
	mov (%rcx), %rsp		/* its own parked stack, not a register */
	SET_TP %rax, %rcx		/* and its own thread pointer back */
	mov %r9, %rax
	CLEAR_SCRATCH			/* leave no library values behind */
	pop %rbp
	ret

	.org PLIB_GATE_OUT - PLIB_GATE_PAGE - 2, 0xcc
switch_out:
	vmfunc				/* back into the app's view; ends in page 2 */

	/* Page 2: the application's view, on the way back. */
	mov %r11, %rsp
	xor %eax, %eax
	SET_TP %rax, %rcx		/* the application's own thread pointer */
	mov %r9, %rax
	CLEAR_SCRATCH			/* leave no library values behind */
	pop %rbp
	ret

	TP_SITES_END
