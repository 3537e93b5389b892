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
 * A platform call goes to the supervisor in another process (host_ipc.inc):
 * no trusted code runs in this process with anyone's key open. While a
 * call is open the callee's trusted slot (in its own keyed memory, just
 * above its stack) records when it began and which entry runs: only the
 * library's rights can write it, so the supervisor learns from it who
 * makes a platform call and holds the call to its budget. A library
 * calling another library parks its stack in its slot, and the return
 * into it is honoured only if its slot shows the call pending.
 */
#include "plib_abi.h"
/* The register clears out of line: the call routine has no room for them twice. */
	.set XSTATE_CLEAR_CALL, 1
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

/* PKRU = hdr[field + 8 * idx] for library idx, then prove that was the
   value written. A jump straight onto the WRPKRU brings its own idx: it
   is range-checked after the write and before any memory operand uses
   it, so an idx pointing the check at the app's own memory traps. */
.macro SET_PKRU field, idx
	mov PLIB_GATE_DATA+\field(,\idx,8), %eax
	xor %ecx, %ecx			/* WRPKRU needs ecx = edx = 0 */
	xor %edx, %edx
	wrpkru
	cmp $PLIB_MAX_DOMAINS, \idx
	jae gate_fatal			/* unsigned: no library has that index */
	test \idx, \idx
	jz gate_fatal			/* 0 is the app, whose PKRU SET_APP_PKRU sets */
	cmp PLIB_GATE_DATA+\field(,\idx,8), %eax
	jne gate_fatal
.endm

	.code64
	.text
gate_page:
	GATE_SITES_BEGIN
	TP_SITES_BEGIN

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
	call set_tp_rbp		/* the callee's thread pointer, on its own stack (a caller's may be closed now) */
	SLOT_OPEN			/* two more words; with the callee's key open (r10 is reloaded below) */
	mov %rbx, %r10
	shl $4, %r10
	mov %r12, %rdi
	mov %r13, %rsi
	mov %r14, %rdx
	mov %r15, %rcx
	XSTATE_IN			/* MXCSR, x87 control word: none of the caller's */
	ENTRY_STATE			/* DF, AC, TF: none of the caller's */
	call *PLIB_GATE_ENTRIES+PLIB_ENTRY_ADDR(%r10)
	XSTATE_OUT			/* no vector, mask or x87 value of the library's goes back */
	mov %rax, %r12			/* result */
	SLOT_CLOSE			/* while the callee's key is still open */
	pop %r9
	pop %r13
	call set_tp_r9		/* the caller's own thread pointer back */
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
	BAD_ENTRY_ARGS %rdx		/* a1 = entry, a2 = return address */
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_ENTRY, %esi
	call gate_sys
gate_fatal:
	ud2				/* SIGILL: the process dies, the parent reports it */

#include "host_ipc.inc"

	XSTATE_ROUTINES
	SET_TP_ROUTINES			/* after the platform routine: the call routine is full */

	GATE_SITES_END			/* the site table is complete */
	TP_SITES_END
