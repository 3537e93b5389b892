/*
 * gate_pku.S - the gate of the pku backend (trusted, installed by the host
 * loader). Each library's code, data and stack carry that library's
 * protection key; the application runs with those keys access- and
 * write-disabled. The gate writes a complete PKRU with WRPKRU and then
 * checks, ERIM-style, that EAX holds exactly the value the header page
 * (read-only to everyone) gives for the validated entry's domain, trapping
 * otherwise: a jump onto a WRPKRU with a value of the attacker's choosing
 * traps before any other instruction of the attacker runs.
 *
 * Protection keys guard data accesses only, not instruction fetches:
 * application code can jump into library code, which then runs without
 * the library's rights (its first data access faults).
 *
 * Go never runs with a library's key open: a platform call from a library
 * parks the library's stack pointer in its trusted slot (inside its own
 * keyed memory, just above its stack), drops to the application's rights
 * and enters Go; the resume reopens the key only for a library that has
 * such a call pending. A library calling another library parks its stack
 * the same way, and the return into it is honoured only if its slot shows
 * the call pending.
 */
#include "plib_abi.h"
#include "gate_common.inc"

/* PKRU = the application's rights, checked against that one value. */
.macro SET_APP_PKRU
	mov PLIB_GATE_DATA+PLIB_HDR_PKRU, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	wrpkru
	cmp PLIB_GATE_DATA+PLIB_HDR_PKRU, %eax
	jne gate_fatal
.endm

/* PKRU = hdr[field + 8 * idx], then prove that was the value written. */
.macro SET_PKRU field, idx
	mov PLIB_GATE_DATA+\field(,\idx,8), %eax
	xor %ecx, %ecx			/* WRPKRU needs ecx = edx = 0 */
	xor %edx, %edx
	wrpkru
	cmp PLIB_GATE_DATA+\field(,\idx,8), %eax
	jne gate_fatal
.endm

	.code64
	.text

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	CALL_PROLOGUE bad_entry
	xor %ecx, %ecx
	rdpkru				/* who calls: the app, or a library? */
	xor %r9d, %r9d			/* r9 = calling domain */
	cmp PLIB_GATE_DATA+PLIB_HDR_PKRU, %eax
	je 2f
1:	inc %r9d
	cmp $PLIB_MAX_DOMAINS, %r9d
	jae gate_fatal			/* rights that belong to no domain */
	cmp PLIB_GATE_DATA+PLIB_HDR_PKRU(,%r9,8), %eax
	jne 1b
	/* A library calls. Park its stack in its own slot: the write itself
	   proves the caller holds that library's key (forged rights fault). */
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%r9,8), %rax
	mov %rsp, (%rax)
	movq $1, 8(%rax)
2:	SET_PKRU PLIB_HDR_PKRU, %rbp	/* open the callee's key */
	CHECK_ENTRY
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rbp,8), %rax
	cmpq $0, 8(%rax)
	jne gate_fatal			/* the callee is waiting on a call: its stack is in use */
	mov %rsp, %rax
	mov PLIB_GATE_DATA+PLIB_HDR_STACKS(,%rbp,8), %rsp	/* callee's stack */
	push %rax			/* caller's stack pointer... */
	push %r9			/* ...and domain, on the callee's stack */
	CALL_OPENED			/* (after CHECK_ENTRY: r10 is reloaded below) */
	mov %rbx, %r10
	shl $4, %r10
	mov %r12, %rdi
	mov %r13, %rsi
	mov %r14, %rdx
	mov %r15, %rcx
	ENTRY_STATE			/* DF, AC, TF: none of the caller's */
	call *PLIB_GATE_ENTRIES(%r10)
	mov %rax, %r12			/* result */
	CALL_CLOSED
	pop %r9
	pop %r13
	test %r9, %r9
	jnz 3f
	SET_APP_PKRU			/* back to the application's rights */
	mov %r13, %rsp
	jmp 4f
3:	SET_PKRU PLIB_HDR_PKRU, %r9	/* back to the calling library's rights... */
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%r9,8), %rax
	cmpq $1, 8(%rax)
	jne gate_fatal			/* ...only if it really made a call */
	movq $0, 8(%rax)
	mov (%rax), %rsp		/* its own parked stack, not a register */
4:	CALL_EPILOGUE

bad_entry:
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_ENTRY, %esi
	call gate_sys
gate_fatal:
	ud2				/* SIGILL: the process dies, the parent reports it */

/* long sys(nr = rdi, a0 = rsi, a1 = rdx, a2 = rcx): from the app, enter Go
   with the app's rights as they are; from library L (its PKRU says which),
   park L's stack pointer in L's slot, mark the call pending and drop to the
   app's rights first. */
	.org PLIB_GATE_SYS_OFF, 0xcc
gate_sys:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rdx, %r8			/* RDPKRU/WRPKRU need rdx */
	mov %rcx, %r9
	xor %ecx, %ecx
	rdpkru				/* who is calling? */
	cmp PLIB_GATE_DATA+PLIB_HDR_PKRU, %eax
	je 2f				/* the application */
	mov $1, %ebp
1:	cmp PLIB_GATE_DATA+PLIB_HDR_PKRU(,%rbp,8), %eax
	je 3f
	inc %ebp
	cmp $PLIB_MAX_DOMAINS, %ebp
	jb 1b
	jmp gate_fatal			/* rights that belong to no domain */
3:	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rbp,8), %rax
	mov %rsp, (%rax)		/* the library's resume point, in its own memory */
	movq $1, 8(%rax)		/* pending */
	SET_APP_PKRU
	jmp 4f
2:	xor %ebp, %ebp
4:	mov PLIB_GATE_DATA+PLIB_HDR_HOSTCTX, %rax
	mov %rsp, PLIB_CTX_GUESTSP(%rax)
	mov %rdi, PLIB_CTX_NR(%rax)
	mov %rsi, PLIB_CTX_A0(%rax)
	mov %r8, PLIB_CTX_A1(%rax)
	mov %r9, PLIB_CTX_A2(%rax)
	mov %rbp, PLIB_CTX_DOMAIN(%rax)	/* a hint for Go; the resume trusts only the slot */
	mov PLIB_CTX_GOSP(%rax), %rsp
	mov PLIB_CTX_GOBP(%rax), %rbp
	ENTRY_STATE			/* Go assumes DF = 0 and no AC or TF: none of the caller's */
	GO_FP_STATE			/* nor its MXCSR or x87 control word */
	jmp *PLIB_CTX_RESUME(%rax)

/* Entered from Go (app rights) with the context's CTX_DOMAIN set: resume
   the application as it is, or reopen library L's key, check L really has
   a call pending, and resume it from its slot. */
	.org PLIB_GATE_RESUME_OFF, 0xcc
gate_resume:
	mov PLIB_GATE_DATA+PLIB_HDR_HOSTCTX, %r8	/* the header, not rdi: trusted */
	mov PLIB_CTX_DOMAIN(%r8), %rbp
	test %rbp, %rbp
	jz 5f
	cmp $PLIB_MAX_DOMAINS, %rbp
	jae gate_fatal
	SET_PKRU PLIB_HDR_PKRU, %rbp
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rbp,8), %rax
	cmpq $1, 8(%rax)
	jne gate_fatal			/* nothing pending: not a resume */
	movq $0, 8(%rax)
	mov PLIB_CTX_RETVAL(%r8), %rdi
	mov (%rax), %rsp
	mov %rdi, %rax
	jmp 6f
5:	mov PLIB_CTX_GUESTSP(%r8), %rsp
	mov PLIB_CTX_RETVAL(%r8), %rax
6:	xor %r8d, %r8d
	cmp %eax, %eax			/* status flags: the same after every call, none of Go's */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	GO_FP_CONSTANTS
