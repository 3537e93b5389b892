/*
 * gate_process.S - the gate of the process backend (trusted, installed by
 * the loader in every process of a run). A library runs in a process of
 * its own; no other process maps its code, data or stack. A call travels
 * through a request page that is one channel: from this caller (the app,
 * or a library calling another) to that library, mapped by the two
 * processes and no other, so no third process can forge a result or a
 * death on it. The caller posts the entry and arguments, rings the
 * channel's doorbell (a futex counter in the same page: it carries nothing
 * but "look") and sleeps on the channel's state word until the result is
 * posted. Argument areas are shared memory too. No word a caller can
 * write is read by the library for another caller's call: a caller that
 * clears or bumps its own channel's words delays only its own calls.
 *
 * A library's process runs gate_serve as its program: it sleeps on the
 * doorbells of all its incoming channels at once (futex_waitv), looks at
 * each channel, checks the entry index against its own entry table (the
 * caller controls the index), records the open call in its own trusted
 * slot, calls it on its own stack and posts the result.
 *
 * The call budget is not the caller's to keep: the library process's
 * supervisor times each call it serves from that slot and ends the run of
 * a library past its budget. If the library process dies, the vmm marks
 * its channels dead and wakes the callers, whose waits also time out every
 * 100 ms to look: the call returns PLIB_ERR_LIB_DEAD instead of hanging.
 */
#include "plib_abi.h"
#include "gate_common.inc"

/* The wait policy (vmm run --wait): a caller spins on its
   channel's state word, and an idle library on its channels, for at most
   HDR_SPIN TSC cycles, then sleeps on the futex as before; 0: sleep at
   once. The bound is read from this process's own header page, which
   only the supervisor writes: whatever the other side writes to shared
   pages changes no bound. */
#define HDR_SPIN PLIB_HDR_SPIN
/* Words of the request page beyond plib_abi.h's: the caller sleeps on the
   channel (the library must wake it), and the caller's counts of calls
   answered while it spun and calls it slept for. Both are the caller's
   to write, so the library reads WAITING only to decide whether to make
   a wake-up, and the counts are statistics the supervisor reports. */
#define REQ_WAITING PLIB_REQ_WAITING
#define REQ_FAST PLIB_REQ_FAST
#define REQ_SLOW PLIB_REQ_SLOW
/* Each channel's doorbell and the library's mark that it sleeps on its
   doorbells, in the channel's own page: only the two ends map it. */
#define REQ_BELL PLIB_REQ_BELL
#define REQ_ASLEEP PLIB_REQ_ASLEEP
/* futex_waitv(2): the serve loop sleeps on all its channels' doorbells at
   once. Its site may make only that call (GATE_SITE_FUTEX_WAITV). */
#define SYS_FUTEX_WAITV 449
#define FUTEX2_SIZE_U32 2
#define GATE_SITE_FUTEX_WAITV 3

	.code64
	.text
gate_page:
	GATE_SITES_BEGIN

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	CHECK_ENTRY_RDI bad_entry
	push %rbx
	mov PLIB_GATE_ENTRIES+PLIB_ENTRY_VIEW(%r10), %eax	/* the library */
	mov PLIB_GATE_DATA+PLIB_HDR_REQ(,%rax,8), %rbx	/* this process's channel to it */
	mov %rdi, PLIB_REQ_ENTRY(%rbx)
	mov %rsi, PLIB_REQ_ARGS(%rbx)
	mov %rdx, PLIB_REQ_ARGS+8(%rbx)
	mov %rcx, PLIB_REQ_ARGS+16(%rbx)
	mov %r8, PLIB_REQ_ARGS+24(%rbx)
	movl $PLIB_REQ_CALL, PLIB_REQ_STATE(%rbx)	/* x86 stores are ordered: arguments first */
	lock incl REQ_BELL(%rbx)	/* ring this channel's doorbell (a full barrier) */
	cmpl $0, REQ_ASLEEP(%rbx)	/* a library that spins sees the ring without a wake-up */
	je 9f
	mov $SYS_FUTEX, %eax
	lea REQ_BELL(%rbx), %rdi
	mov $FUTEX_WAKE, %esi
	mov $1, %edx
	GATE_SYSCALL GATE_SITE_FUTEX	/* wake the library */
9:	mov PLIB_GATE_DATA+HDR_SPIN, %r9	/* the bound, from this process's read-only header */
	test %r9, %r9
	jz 12f				/* sleep policy: no spin */
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	mov %rdx, %r8			/* the spin's start */
10:	cmpl $PLIB_REQ_DONE, PLIB_REQ_STATE(%rbx)
	je 11f
	cmpl $0, PLIB_REQ_DEAD(%rbx)
	jne 3f
	pause
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %r8, %rax
	cmp %r9, %rax
	jb 10b
12:	incq REQ_SLOW(%rbx)		/* counted where the supervisor reads it: statistics only */
	jmp 1f
11:	incq REQ_FAST(%rbx)
	jmp 2f
	/* No budget here: the callee's supervisor times the call from the
	   callee's own slot and ends it; its death marks the channel DEAD. */
1:	cmpl $PLIB_REQ_DONE, PLIB_REQ_STATE(%rbx)
	je 2f
	cmpl $0, PLIB_REQ_DEAD(%rbx)
	jne 3f
	mov $1, %eax
	xchg %eax, REQ_WAITING(%rbx)	/* the library must wake us now (a full barrier) */
	mov $SYS_FUTEX, %eax
	lea PLIB_REQ_STATE(%rbx), %rdi
	mov $FUTEX_WAIT, %esi
	mov $PLIB_REQ_CALL, %edx	/* sleep while the call is pending */
	lea wait_100ms(%rip), %r10
	GATE_SYSCALL GATE_SITE_FUTEX
	jmp 1b
2:	mov PLIB_REQ_RESULT(%rbx), %rax
	movl $0, REQ_WAITING(%rbx)
	movl $PLIB_REQ_IDLE, PLIB_REQ_STATE(%rbx)
	jmp 4f
3:	mov $PLIB_ERR_LIB_DEAD, %rax	/* the library process is gone */
4:	pop %rbx
	CLEAR_SCRATCH			/* leave no syscall values behind */
	ret

bad_entry:
	BAD_ENTRY_ARGS %rdx		/* a1 = entry, a2 = return address */
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_ENTRY, %esi
	call gate_sys
	ud2

	.balign 8
wait_100ms:
	.quad 0, 100000000		/* struct timespec: 0 s, 100 ms */

#include "host_ipc.inc"

/* The library process's program: serve calls forever (the vmm ends it).
   rbp = this library (the header's view field in this process), r14 the
   caller whose channel is looked at, r15 how many were looked at in this
   round, r13 the number of channels in the wait list. The frame on its own stack (which no other process maps):
   (%rsp) when this loop began to idle (TSC; 0: not idle), then
   WAITV_OFF: struct futex_waitv[PLIB_MAX_DOMAINS], one per incoming
   channel, each {u64 value seen, u64 address of the channel's doorbell,
   u32 flags, u32 0}: the doorbells the loop sleeps on, all at once. */
#if PLIB_MAX_DOMAINS & (PLIB_MAX_DOMAINS - 1)
#error the round-robin look wraps with a mask: PLIB_MAX_DOMAINS must be a power of two
#endif
#define WAITV_OFF 16
#define WAITV_BYTES 24
#define FRAME (WAITV_OFF + WAITV_BYTES * PLIB_MAX_DOMAINS)
	.org PLIB_GATE_SERVE_OFF, 0xcc
gate_serve:
	and $-16, %rsp			/* the ABI's alignment at every call below */
	sub $FRAME, %rsp
	movq $0, (%rsp)
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rbp
	xor %r14d, %r14d		/* the wait list: every incoming channel's doorbell */
	xor %r13d, %r13d
	lea WAITV_OFF(%rsp), %rdi
20:	mov PLIB_GATE_DATA+PLIB_HDR_INREQ(,%r14,8), %rbx
	test %rbx, %rbx
	jz 21f
	lea REQ_BELL(%rbx), %rax
	movq $0, (%rdi)
	mov %rax, 8(%rdi)
	movq $FUTEX2_SIZE_U32, 16(%rdi)	/* flags (shared: no FUTEX2_PRIVATE), reserved 0 */
	add $WAITV_BYTES, %rdi
	inc %r13d
21:	inc %r14d
	cmp $PLIB_MAX_DOMAINS, %r14d
	jb 20b
	/* Every doorbell as it is before looking: a ring after this makes
	   the sleep below return at once. */
5:	xor %ecx, %ecx
	lea WAITV_OFF(%rsp), %rdi
22:	cmp %r13d, %ecx
	jae 23f
	mov 8(%rdi), %rax
	mov (%rax), %eax		/* the caller may write it: only ever a spurious wake-up */
	mov %rax, (%rdi)
	add $WAITV_BYTES, %rdi
	inc %ecx
	jmp 22b
	/* Round robin: the look starts at the channel after the one served
	   last, so no caller (the application posting back to back) can keep
	   another's call from being served; r15 counts the channels looked at. */
23:	and $PLIB_MAX_DOMAINS-1, %r14d
	xor %r15d, %r15d
6:	mov PLIB_GATE_DATA+PLIB_HDR_INREQ(,%r14,8), %rbx
	test %rbx, %rbx
	jz 8f				/* no such caller */
	cmpl $PLIB_REQ_CALL, PLIB_REQ_STATE(%rbx)
	jne 8f
	mov PLIB_REQ_ENTRY(%rbx), %r12	/* the caller wrote it: read once, checked here */
	mov $PLIB_ERR_BAD_ENTRY, %rax
	cmp $PLIB_MAX_ENTRIES, %r12
	jae 7f
	shl $4, %r12
	cmpl $0, PLIB_GATE_ENTRIES+PLIB_ENTRY_VALID(%r12)
	je 7f
	cmp PLIB_GATE_ENTRIES+PLIB_ENTRY_VIEW(%r12), %ebp
	jne 7f				/* another library's entry */
	/* Open the call in this library's trusted slot, which only this
	   process maps: its supervisor times it against the budget from
	   there and names the entry and the caller. */
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rbp,8), %rcx
	incq PLIB_SLOT_ENTRIES(%rcx)	/* a new call, even if entry and start repeat */
	mov %r12, %rax
	shr $4, %rax
	mov %rax, PLIB_SLOT_ENTRY(%rcx)	/* the checked index, not the caller's word again */
	mov %r14, PLIB_SLOT_CALLER(%rcx)
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, PLIB_SLOT_START(%rcx)	/* last: the supervisor reads an open call whole */
	mov PLIB_REQ_ARGS(%rbx), %rdi	/* arguments are values: copied as read */
	mov PLIB_REQ_ARGS+8(%rbx), %rsi
	mov PLIB_REQ_ARGS+16(%rbx), %rdx
	mov PLIB_REQ_ARGS+24(%rbx), %rcx
	ENTRY_STATE			/* this process's flags, set anew for every call */
	call *PLIB_GATE_ENTRIES+PLIB_ENTRY_ADDR(%r12)
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rbp,8), %rcx
	movq $0, PLIB_SLOT_START(%rcx)	/* the call is closed */
7:	mov %rax, PLIB_REQ_RESULT(%rbx)
	movq $0, (%rsp)			/* busy: the idle spin starts afresh */
	mov $PLIB_REQ_DONE, %eax
	xchg %eax, PLIB_REQ_STATE(%rbx)	/* posted (a full barrier before the look below) */
	inc %r14d			/* the next look starts after this channel */
	cmpl $0, REQ_WAITING(%rbx)	/* the caller's word: it decides only whether we make a wake-up */
	je 5b
	mov $SYS_FUTEX, %eax
	lea PLIB_REQ_STATE(%rbx), %rdi
	mov $FUTEX_WAKE, %esi
	mov $1, %edx
	GATE_SYSCALL GATE_SITE_FUTEX	/* wake the caller */
	jmp 5b				/* look at every channel again */
8:	inc %r14d
	and $PLIB_MAX_DOMAINS-1, %r14d
	inc %r15d
	cmp $PLIB_MAX_DOMAINS, %r15d
	jb 6b
	mov PLIB_GATE_DATA+HDR_SPIN, %r9	/* nothing posted: spin, looking again, up to the bound */
	test %r9, %r9
	jz 12f
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	cmpq $0, (%rsp)
	jne 13f
	mov %rax, (%rsp)		/* idle from now */
13:	sub (%rsp), %rax
	cmp %r9, %rax
	jae 12f				/* spun long enough: sleep */
	pause
	jmp 5b				/* look at every channel again */
	/* Sleep: mark every channel (each caller reads only its own mark),
	   look once more, then sleep on all the doorbells at once. A caller
	   that clears its own mark misses only its own wake-ups. */
12:	movq $0, (%rsp)
	mov $1, %eax
	call mark_asleep		/* a full barrier before the look below */
	xor %r14d, %r14d
14:	mov PLIB_GATE_DATA+PLIB_HDR_INREQ(,%r14,8), %rbx
	test %rbx, %rbx
	jz 15f
	cmpl $PLIB_REQ_CALL, PLIB_REQ_STATE(%rbx)
	je 16f				/* posted meanwhile: serve it */
15:	inc %r14d
	cmp $PLIB_MAX_DOMAINS, %r14d
	jb 14b
	mov $SYS_FUTEX_WAITV, %eax	/* sleep until a doorbell moves */
	lea WAITV_OFF(%rsp), %rdi
	mov %r13, %rsi
	xor %edx, %edx
	xor %r10d, %r10d		/* no timeout */
	xor %r8d, %r8d
	GATE_SYSCALL GATE_SITE_FUTEX_WAITV
16:	xor %eax, %eax
	call mark_asleep
	jmp 5b

/* Writes eax into every incoming channel's ASLEEP word (xchg: each a full
   barrier). Clobbers rcx, rdx. */
mark_asleep:
	xor %ecx, %ecx
17:	mov PLIB_GATE_DATA+PLIB_HDR_INREQ(,%rcx,8), %rdx
	test %rdx, %rdx
	jz 18f
	push %rax
	xchg %eax, REQ_ASLEEP(%rdx)
	pop %rax
18:	inc %ecx
	cmp $PLIB_MAX_DOMAINS, %ecx
	jb 17b
	ret

	GATE_SITES_END			/* the site table is complete */
