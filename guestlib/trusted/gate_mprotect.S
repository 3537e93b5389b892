/*
 * gate_mprotect.S - the gate of the mprotect backend (trusted, installed
 * by the host loader). A library's pages are PROT_NONE outside its calls;
 * the gate opens them with mprotect (code read+execute, data and stack
 * read+write: W^X holds), calls the entry on the library's stack, and
 * closes them again: four system calls per library call.
 *
 * Known weakness, by design of the mechanism: while a call is open the
 * pages are open to every thread of the process, so another application
 * thread can read or write them during the call.
 *
 * A jump onto one of the gate's SYSCALL instructions with forged
 * registers gets nothing: the seccomp filter admits mprotect only from
 * this page and only with the exact range and rights of a library's code
 * or private memory, and after each mprotect the gate checks that it used
 * exactly the trusted arguments for the library of the validated entry,
 * and traps (ud2) otherwise.
 *
 * While a call is open the library's trusted slot records when it began
 * and which entry runs (SLOT_OPEN): the supervisor reads it to know who
 * makes a platform call and to hold the call to its budget.
 */
#include "plib_abi.h"
/* The register clears out of line: the call routine has no room for them twice. */
	.set XSTATE_CLEAR_CALL, 1
#include "gate_common.inc"

#define SYS_MPROTECT 10
#define PROT_NONE 0
#define PROT_RX 5
#define PROT_RW 3

/* mprotect(base[rbp], size[rbp], prot), then prove those were the
   arguments: SYSCALL preserves rdi, rsi and rdx. */
.macro MPROTECT base, size, prot
	mov PLIB_GATE_DATA+\base(,%rbp,8), %rdi
	mov PLIB_GATE_DATA+\size(,%rbp,8), %rsi
	mov $\prot, %edx
	mov $SYS_MPROTECT, %eax
	GATE_SYSCALL GATE_SITE_MPROTECT
	test %rax, %rax
	jnz gate_fatal
	CHECK_ENTRY
	cmp PLIB_GATE_DATA+\base(,%rbp,8), %rdi
	jne gate_fatal
	cmp PLIB_GATE_DATA+\size(,%rbp,8), %rsi
	jne gate_fatal
	cmp $\prot, %rdx
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
	MPROTECT PLIB_HDR_TEXTBASE, PLIB_HDR_TEXTSIZE, PROT_RX
	MPROTECT PLIB_HDR_PRIVBASE, PLIB_HDR_PRIVSIZE, PROT_RW
	call tp_caller_r9		/* whose thread pointer to give back */
	mov %rsp, %rax
	mov PLIB_GATE_DATA+PLIB_HDR_STACKS(,%rbp,8), %rsp	/* library stack */
	push %rax			/* app stack pointer */
	push %r9			/* the caller's domain (rsp stays 16-byte aligned at the call) */
	SLOT_OPEN			/* two more words; clobbers rax, rcx, rdx: before the arguments */
	mov %r12, %rdi
	mov %r13, %rsi
	mov %r14, %rdx
	mov %r15, %rcx
	CHECK_ENTRY
	call set_tp_rbp		/* the library's own thread pointer */
	XSTATE_IN			/* MXCSR, x87 control word: none of the caller's */
	ENTRY_STATE			/* DF, AC, TF: none of the caller's */
	call *PLIB_GATE_ENTRIES+PLIB_ENTRY_ADDR(%r10)
	XSTATE_OUT			/* no vector, mask or x87 value of the library's goes back */
	mov %rax, %r12			/* result */
	SLOT_CLOSE			/* while the library's pages are still open */
	pop %r9				/* the caller's domain */
	pop %r13			/* app stack pointer */
	call set_tp_r9		/* the caller's own thread pointer back */
	mov %r13, %rsp			/* off the library stack before closing it */
	MPROTECT PLIB_HDR_PRIVBASE, PLIB_HDR_PRIVSIZE, PROT_NONE
	MPROTECT PLIB_HDR_TEXTBASE, PLIB_HDR_TEXTSIZE, PROT_NONE
	CALL_EPILOGUE

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
