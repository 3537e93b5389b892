/*
 * gate_none.S - the gate page of the none backend: a plain call, no
 * isolation at all. It is the speed ceiling every other backend is
 * measured against. Platform calls switch back to the Go runtime.
 */
#include "plib_abi.h"

	.code64
	.text

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	cmp $PLIB_MAX_ENTRIES, %rdi
	jae bad_entry
	mov %rdi, %r10
	shl $4, %r10
	cmpl $0, PLIB_GATE_ENTRIES+12(%r10)
	je bad_entry
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %rcx
	jmp *PLIB_GATE_ENTRIES(%r10)	/* tail call: the library returns to the app */
bad_entry:
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_ENTRY, %esi
	call gate_sys
	ud2

/* long sys(nr = rdi, a0 = rsi, a1 = rdx, a2 = rcx): save the guest's
   callee-saved registers on its stack and return to Go. */
	.org PLIB_GATE_SYS_OFF
gate_sys:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov PLIB_GATE_DATA+PLIB_HDR_HOSTCTX, %rax
	mov %rsp, PLIB_CTX_GUESTSP(%rax)
	mov %rdi, PLIB_CTX_NR(%rax)
	mov %rsi, PLIB_CTX_A0(%rax)
	mov %rdx, PLIB_CTX_A1(%rax)
	mov %rcx, PLIB_CTX_A2(%rax)
	mov PLIB_CTX_GOSP(%rax), %rsp	/* back on the Go stack */
	mov PLIB_CTX_GOBP(%rax), %rbp	/* and Go's frame pointer */
	jmp *PLIB_CTX_RESUME(%rax)	/* into the Go runtime's resume label */

/* Entered from Go with rdi = context: restore the guest and return the
   platform call's result to it. */
	.org PLIB_GATE_RESUME_OFF
gate_resume:
	mov PLIB_CTX_GUESTSP(%rdi), %rsp
	mov PLIB_CTX_RETVAL(%rdi), %rax
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
