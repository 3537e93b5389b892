/*
 * gate_none.S - the gate page of the none backend: a plain call, no
 * isolation at all. It is the speed ceiling every other backend is
 * measured against. Platform calls go to the supervisor (host_ipc.inc).
 */
#include "plib_abi.h"
#include "gate_common.inc"

	.code64
	.text
gate_page:
	GATE_SITES_BEGIN

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	CHECK_ENTRY_RDI bad_entry
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %rcx
	jmp *PLIB_GATE_ENTRIES+PLIB_ENTRY_ADDR(%r10)	/* tail call: the library returns to the app */
bad_entry:
	BAD_ENTRY_ARGS %rdx		/* a1 = entry, a2 = return address */
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_ENTRY, %esi
	call gate_sys
	ud2

#include "host_ipc.inc"

	GATE_SITES_END			/* the site table is complete */
