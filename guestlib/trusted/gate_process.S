/*
 * gate_process.S - the gate of the process backend (trusted, installed by
 * the loader in every process of a run). A library runs in a process of
 * its own; no other process maps its code, data or stack. A call travels
 * through a request page that is one channel: from this caller (the app,
 * or a library calling another) to that library, mapped by the two
 * processes and no other, so no third process can forge a result or a
 * death on it. The caller posts the entry and arguments, rings the
 * callee's doorbell (a futex counter: it carries nothing but "look") and
 * sleeps on the channel's state word until the result is posted. Argument
 * areas are shared memory too.
 *
 * A library's process runs gate_serve as its program: it sleeps on its
 * doorbell, looks at each of its incoming channels, checks the entry index
 * against its own entry table (the caller controls the index), calls it
 * on its own stack and posts the result.
 *
 * If the library process dies, the vmm marks its channels dead and wakes
 * the callers, whose waits also time out every 100 ms to look: the call
 * returns PLIB_ERR_LIB_DEAD instead of hanging.
 */
#include "plib_abi.h"
#include "gate_common.inc"

/* The wait policy (vmm run --wait): a caller spins on its
   channel's state word, and an idle library on its doorbell, for at most
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
/* The doorbell page: the library sleeps on it (callers must wake it). */
#define BELL_ASLEEP PLIB_BELL_ASLEEP

	.code64
	.text
gate_page:
	GATE_SITES_BEGIN

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	CHECK_ENTRY_RDI bad_entry
	push %rbx
	push %r12
	mov PLIB_GATE_ENTRIES+8(%r10), %eax	/* the library */
	mov PLIB_GATE_DATA+PLIB_HDR_REQ(,%rax,8), %rbx	/* this process's channel to it */
	mov PLIB_GATE_DATA+PLIB_HDR_BELL(,%rax,8), %r11	/* its doorbell */
	mov %rdi, PLIB_REQ_ENTRY(%rbx)
	mov %rsi, PLIB_REQ_ARGS(%rbx)
	mov %rdx, PLIB_REQ_ARGS+8(%rbx)
	mov %rcx, PLIB_REQ_ARGS+16(%rbx)
	mov %r8, PLIB_REQ_ARGS+24(%rbx)
	mov %rdx, %r12
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	xchg %rdx, %r12			/* r12 = the call's start (TSC); rdx back */
	movl $PLIB_REQ_CALL, PLIB_REQ_STATE(%rbx)	/* x86 stores are ordered: arguments first */
	lock incl (%r11)		/* ring: the library looks at its channels (a full barrier) */
	cmpl $0, BELL_ASLEEP(%r11)	/* a library that spins sees the ring without a wake-up */
	je 9f
	mov $SYS_FUTEX, %eax
	mov %r11, %rdi
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
1:	cmpl $PLIB_REQ_DONE, PLIB_REQ_STATE(%rbx)
	je 2f
	cmpl $0, PLIB_REQ_DEAD(%rbx)
	jne 3f
	cmpq $0, PLIB_GATE_DATA+PLIB_HDR_BUDGET
	je 5f
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	sub %r12, %rax
	cmp PLIB_GATE_DATA+PLIB_HDR_BUDGET, %rax
	ja over_budget			/* the library is past its budget: abandon the call */
5:	mov $1, %eax
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
4:	pop %r12
	pop %rbx
	CLEAR_SCRATCH			/* leave no syscall values behind */
	ret

bad_entry:
	BAD_ENTRY_ARGS %rdx		/* a1 = entry, a2 = return address */
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_ENTRY, %esi
	call gate_sys
	ud2
over_budget:
	mov $PLIB_SYS_GATE_FAULT, %edi	/* Go stops the run; vmm ends the library's process */
	mov $PLIB_GATE_BUDGET, %esi
	mov PLIB_REQ_ENTRY(%rbx), %rdx	/* which call */
	call gate_sys
	ud2

	.balign 8
wait_100ms:
	.quad 0, 100000000		/* struct timespec: 0 s, 100 ms */

#include "host_ipc.inc"

/* The library process's program: serve calls forever (the vmm ends it).
   rbp = this library (the header's view field in this process), r13 its
   doorbell, r14 the caller whose channel is looked at. */
	.org PLIB_GATE_SERVE_OFF, 0xcc
gate_serve:
	and $-16, %rsp			/* the ABI's alignment at every call below */
	sub $16, %rsp			/* (%rsp): when this loop began to idle (TSC; 0: not idle) */
	movq $0, (%rsp)
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rbp
	mov PLIB_GATE_DATA+PLIB_HDR_BELL(,%rbp,8), %r13
5:	mov (%r13), %r15d		/* the doorbell before looking: a ring after this wakes us */
	xor %r14d, %r14d
6:	mov PLIB_GATE_DATA+PLIB_HDR_INREQ(,%r14,8), %rbx
	test %rbx, %rbx
	jz 8f				/* no such caller */
	cmpl $PLIB_REQ_CALL, PLIB_REQ_STATE(%rbx)
	jne 8f
	mov PLIB_REQ_ENTRY(%rbx), %r12	/* the caller wrote it: check it here */
	mov $PLIB_ERR_BAD_ENTRY, %rax
	cmp $PLIB_MAX_ENTRIES, %r12
	jae 7f
	shl $4, %r12
	cmpl $0, PLIB_GATE_ENTRIES+12(%r12)
	je 7f
	cmp PLIB_GATE_ENTRIES+8(%r12), %ebp
	jne 7f				/* another library's entry */
	mov PLIB_REQ_ARGS(%rbx), %rdi	/* arguments are values: copied as read */
	mov PLIB_REQ_ARGS+8(%rbx), %rsi
	mov PLIB_REQ_ARGS+16(%rbx), %rdx
	mov PLIB_REQ_ARGS+24(%rbx), %rcx
	ENTRY_STATE			/* this process's flags, set anew for every call */
	call *PLIB_GATE_ENTRIES(%r12)
7:	mov %rax, PLIB_REQ_RESULT(%rbx)
	movq $0, (%rsp)			/* busy: the idle spin starts afresh */
	mov $PLIB_REQ_DONE, %eax
	xchg %eax, PLIB_REQ_STATE(%rbx)	/* posted (a full barrier before the look below) */
	cmpl $0, REQ_WAITING(%rbx)	/* the caller's word: it decides only whether we make a wake-up */
	je 5b
	mov $SYS_FUTEX, %eax
	lea PLIB_REQ_STATE(%rbx), %rdi
	mov $FUTEX_WAKE, %esi
	mov $1, %edx
	GATE_SYSCALL GATE_SITE_FUTEX	/* wake the caller */
	jmp 5b				/* look at every channel again */
8:	inc %r14d
	cmp $PLIB_MAX_DOMAINS, %r14d
	jb 6b
	mov PLIB_GATE_DATA+HDR_SPIN, %r9	/* nothing posted: spin on the doorbell, up to the bound */
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
	cmp (%r13), %r15d
	jne 5b				/* rung meanwhile: look */
	jmp 8b
12:	movq $0, (%rsp)
	mov $1, %eax
	xchg %eax, BELL_ASLEEP(%r13)	/* callers must wake us now (a full barrier) */
	mov $SYS_FUTEX, %eax		/* sleep until the doorbell moves */
	mov %r13, %rdi
	mov $FUTEX_WAIT, %esi
	mov %r15d, %edx
	xor %r10d, %r10d
	GATE_SYSCALL GATE_SITE_FUTEX
	movl $0, BELL_ASLEEP(%r13)
	jmp 5b

	GATE_SITES_END			/* the site table is complete */
