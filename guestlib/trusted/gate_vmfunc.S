/*
 * gate_vmfunc.S - the gate of the vmfunc backend: three pages of trusted
 * code installed by the VMM at PLIB_GATE_PAGE (images never supply their
 * own).
 *
 *   page 0 (every view):       call entry, platform calls; ends with the
 *                              VMFUNC into the library's view
 *   page 1 (library views):    re-checks, the library call; ends with the
 *                              VMFUNC back to the application's view
 *   page 2 (application view): the return to the application
 *
 * Each VMFUNC straddles a page boundary: its last byte is the first byte
 * of the next page. Where VMFUNC runs in hardware every view maps all
 * three pages and nothing about that matters. Where the VMM emulates it,
 * the next page is absent from the view the VMFUNC starts in, so fetching
 * the instruction exits to the VMM at once (one exit per switch) instead of
 * raising a #UD that KVM would first bounce back into the guest.
 *
 * Everything after a VMFUNC is re-checked against the header page of the
 * view it now runs in, so a jump into the middle of the gate gets no
 * further than a proper call: the application controls the entry index and
 * the arguments, nothing else.
 */
#include "plib_abi.h"

	.code64
	.text

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	cmp $PLIB_MAX_ENTRIES, %rdi
	jae bad_entry			/* unsigned: negative indexes fail too */
	mov %rdi, %r10
	shl $4, %r10			/* entry table offset */
	cmpl $0, PLIB_GATE_ENTRIES+12(%r10)
	je bad_entry
	mov %rcx, %r9			/* a2: rcx carries the view index */
	mov %rsp, %r11			/* the app's stack, restored on the way out */
	mov PLIB_GATE_ENTRIES+8(%r10), %ecx
	xor %eax, %eax			/* VMFUNC leaf 0: EPTP switching */
	jmp switch_in

bad_entry:
	mov $PLIB_GATE_BAD_ENTRY, %esi
	jmp 1f
bad_view:
	mov $PLIB_GATE_BAD_VIEW, %esi
1:	mov $PLIB_SYS_GATE_FAULT, %edi	/* no call: the stack may not be mapped */
	mov $PLIB_PORT_SYS, %dx
	out %al, (%dx)			/* the VMM stops the workload here */
	ud2

/* long sys(nr = rdi, a0 = rsi, a1 = rdx, a2 = rcx): one port-I/O exit.
   The VMM reads rdi, rsi, r8 (a1) and rcx and writes the result to rax. */
	.org PLIB_GATE_SYS_OFF, 0xcc
gate_sys:
	mov %rdx, %r8			/* dx is needed for the port number */
	mov $PLIB_PORT_SYS, %dx
	out %al, (%dx)			/* exit to the VMM */
	ret

	.org PLIB_GATE_IN - PLIB_GATE_PAGE - 2, 0xcc
switch_in:
	vmfunc				/* into the library's view; ends in page 1 */

	/* Page 1. Now in the view named by ecx, or the caller jumped to the
	   VMFUNC with its own registers. Trust nothing but memory. */
	cmp $PLIB_MAX_ENTRIES, %rdi
	jae bad_view
	mov %rdi, %r10
	shl $4, %r10
	cmpl $0, PLIB_GATE_ENTRIES+12(%r10)
	je bad_view
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rax	/* differs per view */
	test %rax, %rax
	jz bad_view			/* still the application's view */
	mov PLIB_GATE_ENTRIES+8(%r10), %ecx
	cmp %rax, %rcx
	jne bad_view			/* entry belongs to another library */
	mov PLIB_GATE_DATA+PLIB_HDR_STACKS(,%rax,8), %rsp	/* library stack */
	push %r11			/* app stack pointer, on the library's stack */
	push %r11			/* keeps rsp 16-byte aligned at the call */
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %r9, %rdx
	mov %r8, %rcx
	call *PLIB_GATE_ENTRIES(%r10)
	pop %r11
	pop %r11
	mov %rax, %r9			/* the result survives the switch in r9 */
	xor %eax, %eax
	xor %ecx, %ecx			/* view 0: the application */
	jmp switch_out

	.org PLIB_GATE_OUT - PLIB_GATE_PAGE - 2, 0xcc
switch_out:
	vmfunc				/* back into the app's view; ends in page 2 */

	/* Page 2: the application's view, on the way back. */
	mov %r11, %rsp
	mov %r9, %rax
	xor %ecx, %ecx			/* leave no library values behind */
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	ret
