/*
 * gate_none.S - the gate page of the none backend: a plain call, no
 * isolation at all. It is the speed ceiling every other backend is
 * measured against. Platform calls go to the supervisor (host_ipc.inc).
 * Its one cost beyond the call is the thread pointer: a library runs
 * with its own TLS (errno, its stack canary) under every backend, so the
 * gate gives it its own FS base and the caller's back afterwards.
 */
#include "plib_abi.h"
#include "gate_common.inc"

	.code64
	.text
gate_page:
	GATE_SITES_BEGIN
	TP_SITES_BEGIN

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	CHECK_ENTRY_RDI bad_entry
	push %rbx
	push %rbp
	sub $8, %rsp			/* rsp 16-byte aligned at the call */
	TP_CALLER %rbx, %rax		/* whose thread pointer to give back */
	mov PLIB_GATE_ENTRIES+PLIB_ENTRY_VIEW(%r10), %ebp	/* the library */
	SET_TP %rbp, %rax		/* its own thread pointer */
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %rcx
	call *PLIB_GATE_ENTRIES+PLIB_ENTRY_ADDR(%r10)
	SET_TP %rbx, %rcx		/* the caller's own back (rax is the result) */
	add $8, %rsp
	pop %rbp
	pop %rbx
	ret
bad_entry:
	BAD_ENTRY_ARGS %rdx		/* a1 = entry, a2 = return address */
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_ENTRY, %esi
	call gate_sys
gate_fatal:
	ud2

#include "host_ipc.inc"

	GATE_SITES_END			/* the site table is complete */
	TP_SITES_END
