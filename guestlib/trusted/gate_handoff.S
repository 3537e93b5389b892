/*
 * gate_handoff.S - the gate of the handoff backend (trusted, installed by
 * the VMM at PLIB_GATE_PAGE). Every library keeps its own EPT view for
 * good, on a vCPU of its own (its own KVM VM over the shared memory); no
 * view is ever switched. A call is handed from the caller's vCPU to the
 * library's through the request slot of that pair (PLIB_HANDOFF_SLOTS +
 * (caller * 8 + library) * 4096), which the two views and no other map.
 *
 *   page 0 (every view):    the call (post, ring if the library sleeps,
 *                           spin, park), platform calls
 *   page 1 (library views): the serve loop each library's vCPU runs
 *   page 2 (app's view):    nothing
 *
 * Waiting, on both sides: spin for PLIB_HDR_SPIN TSC cycles (a caller:
 * PLIB_HDR_SPINTO[library]), then announce
 * the sleep in the slot (the caller's WAITS word, the library's SLEEPS
 * word, each alone in its cache line), look once more after a full
 * barrier, and park (a platform call: the VMM parks the vCPU's thread).
 * The other side publishes with XCHG (a full barrier) and then reads the
 * word: one of the two sees the other, so no wake-up is lost. A ring is
 * only "look again": a forged or stale one is a spurious wake-up.
 *
 * The slot is written by the caller, which may be the hostile
 * application, at any moment. The serve loop reads each word of a request
 * exactly once, into its own stack (private to the library's view), and
 * checks and uses only that copy: the entry index against the entry table
 * and its own view (as the vmfunc gate does after its switch), the
 * arguments as plain numbers. The application instance a library serves
 * is its header page's, never anything in the slot.
 *
 * While a call runs, the serve loop keeps it open in the library's trusted
 * slot (PLIB_SLOT_START/ENTRY: only the library's view maps it); the VMM
 * reads it from there to hold the call to its budget.
 */
#include "plib_abi.h"
#include "gate_common.inc"

/* rdx = the offset, from PLIB_HANDOFF_SLOTS, of the slot from caller rsi
   into this view: page (caller * 8 + view). */
.macro SLOT_OFFSET_FROM_RSI
	mov %rsi, %rdx
	shl $3, %rdx
	add PLIB_GATE_DATA+PLIB_HDR_VIEW, %rdx
	shl $12, %rdx
.endm

/* rbx = the slot from caller r14 to library rbp (both < 8). Clobbers rax. */
.macro SLOT_OF
	mov %r14, %rbx
	shl $3, %rbx
	add %rbp, %rbx
	shl $12, %rbx
	add $PLIB_HANDOFF_SLOTS, %rbx
.endm

/* rax = TSC. Clobbers rdx. */
.macro TSC
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
.endm

/* A platform call made from inside the gate (nr, a0 in edi, rsi). */
.macro PORT_SYS
	mov $PLIB_PORT_SYS, %dx
	out %al, (%dx)
.endm

	.code64
	.text
gate_page:

/* long call(entry = rdi, a0 = rsi, a1 = rdx, a2 = rcx, a3 = r8) */
	.org PLIB_GATE_CALL_OFF
gate_call:
	CHECK_ENTRY_RDI bad_entry
	mov PLIB_GATE_ENTRIES+PLIB_ENTRY_VIEW(%r10), %eax	/* the library */
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %r11	/* the caller: this view */
	cmp %rax, %r11
	je reentry			/* a library calling itself: its one vCPU is busy here */
	shl $3, %r11
	add %rax, %r11
	shl $12, %r11
	add $PLIB_HANDOFF_SLOTS, %r11	/* the slot from this view to the library */
	mov %rdi, PLIB_HO_ENTRY(%r11)
	mov %rsi, PLIB_HO_ARGS(%r11)
	mov %rdx, PLIB_HO_ARGS+8(%r11)
	mov %rcx, PLIB_HO_ARGS+16(%r11)
	mov %r8, PLIB_HO_ARGS+24(%r11)
	mov %rax, %r9			/* the library, to ring */
	mov $PLIB_HO_CALL, %ecx
	xchg %ecx, PLIB_HO_STATE(%r11)	/* post: a full barrier before the SLEEPS read */
	cmpl $0, PLIB_HO_SLEEPS(%r11)
	je 1f
	mov $PLIB_SYS_RING, %edi
	mov %r9, %rsi
	PORT_SYS			/* the library parked: wake it */
1:	TSC
	mov %rax, %r10			/* the spin's start */
2:	cmpl $PLIB_HO_DONE, PLIB_HO_STATE(%r11)
	je 4f
	pause
	TSC
	sub %r10, %rax
	cmp PLIB_GATE_DATA+PLIB_HDR_SPINTO(,%r9,8), %rax
	jb 2b
	/* Spun long enough (0 for a library that parks itself: its vCPU
	   shares a core, which this one's spin would take): park. A library that waits also says so in
	   the slots into it, so that a call into it (a cycle back to it:
	   its one vCPU is busy here) rings it, and it refuses the call. */
	cmpq $0, PLIB_GATE_DATA+PLIB_HDR_VIEW
	je 6f
	mov $1, %ecx
	call in_mark
6:	mov $1, %ecx
	xchg %ecx, PLIB_HO_WAITS(%r11)	/* a full barrier: the marks before the looks */
	cmpq $0, PLIB_GATE_DATA+PLIB_HDR_VIEW
	je 7f
	call in_cycle
	jnz cycle
7:	cmpl $PLIB_HO_DONE, PLIB_HO_STATE(%r11)
	je 3f
	mov $PLIB_SYS_PARK, %edi
	PORT_SYS
3:	movl $0, PLIB_HO_WAITS(%r11)
	cmpq $0, PLIB_GATE_DATA+PLIB_HDR_VIEW
	je 1b
	xor %ecx, %ecx
	call in_mark
	call in_cycle			/* rung by a cycle: refuse it now */
	jnz cycle
	jmp 1b
4:	mov PLIB_HO_RESULT(%r11), %rax
	movl $PLIB_HO_IDLE, PLIB_HO_STATE(%r11)
	CLEAR_SCRATCH
	ret

bad_entry:
	mov $PLIB_GATE_BAD_ENTRY, %esi
	jmp 5f
reentry:
cycle:
	mov $PLIB_GATE_REENTRY, %esi
5:	mov $PLIB_SYS_GATE_FAULT, %edi
	PORT_SYS			/* the VMM stops the workload here */
	ud2

#if PLIB_MAX_DOMAINS & (PLIB_MAX_DOMAINS - 1)
#error the round-robin look wraps with a mask: PLIB_MAX_DOMAINS must be a power of two
#endif

#include "vm_sys.inc"

/* Page 1, mapped in library views only: the serve loop. The VMM starts
   each library's vCPU here, on the library's stack, for the whole run.
   rbp = this library, r15 = its trusted slot, r14 = the caller looked at,
   rbx = that caller's slot, r13 = the spin's start, r12 = the entry. */
	.org PLIB_GATE_IN - PLIB_GATE_PAGE, 0xcc
gate_serve:
	and $-16, %rsp
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rbp
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rbp,8), %r15
	xor %r14d, %r14d
spin:
	TSC
	mov %rax, %r13
	/* Round robin: a look starts at the caller after the one served
	   last, so no caller posting back to back keeps another's call from
	   being served; r12 counts the callers looked at (serve reloads it). */
scan:
	and $PLIB_MAX_DOMAINS-1, %r14d
	xor %r12d, %r12d
1:	mov PLIB_GATE_DATA+PLIB_HDR_CALLERS, %rax
	bt %r14, %rax
	jnc 2f				/* no slot from this caller */
	SLOT_OF
	cmpl $PLIB_HO_CALL, PLIB_HO_STATE(%rbx)
	je serve
2:	inc %r14d
	and $PLIB_MAX_DOMAINS-1, %r14d
	inc %r12d
	cmp $PLIB_MAX_DOMAINS, %r12d
	jb 1b
	pause
	TSC
	sub %r13, %rax
	cmp PLIB_GATE_DATA+PLIB_HDR_SPIN, %rax
	jb scan
	/* Nothing for a while: say so in every slot, look once more, park. */
	mov $1, %ecx
	call mark_sleep
	mfence				/* the marks before the last look */
	xor %r14d, %r14d
3:	mov PLIB_GATE_DATA+PLIB_HDR_CALLERS, %rax
	bt %r14, %rax
	jnc 4f
	SLOT_OF
	cmpl $PLIB_HO_CALL, PLIB_HO_STATE(%rbx)
	je 5f				/* a call came in meanwhile */
4:	inc %r14d
	cmp $PLIB_MAX_DOMAINS, %r14d
	jb 3b
	mov $PLIB_SYS_PARK, %edi
	PORT_SYS			/* the VMM parks this vCPU until a ring */
5:	xor %ecx, %ecx
	call mark_sleep
	jmp spin

serve:
	/* One request, from slot rbx (caller r14). Each word is read once,
	   into this library's own stack; only the copy is checked and used. */
	sub $32, %rsp
	mov PLIB_HO_ENTRY(%rbx), %r12
	mov PLIB_HO_ARGS(%rbx), %rax
	mov %rax, (%rsp)
	mov PLIB_HO_ARGS+8(%rbx), %rax
	mov %rax, 8(%rsp)
	mov PLIB_HO_ARGS+16(%rbx), %rax
	mov %rax, 16(%rsp)
	mov PLIB_HO_ARGS+24(%rbx), %rax
	mov %rax, 24(%rsp)
	cmp $PLIB_MAX_ENTRIES, %r12
	jae refuse			/* unsigned: negative indexes fail too */
	mov %r12, %rax
	shl $4, %rax
	cmpl $0, PLIB_GATE_ENTRIES+PLIB_ENTRY_VALID(%rax)
	je refuse			/* not exported */
	cmp PLIB_GATE_ENTRIES+PLIB_ENTRY_VIEW(%rax), %ebp
	jne refuse			/* another library's entry */
	mov %rbx, PLIB_SLOT_SERVING(%r15)	/* the slot it came through: any other call is a cycle */
	mov %r12, PLIB_SLOT_ENTRY(%r15)	/* the call is open: the VMM holds it to its budget */
	TSC
	mov %rax, PLIB_SLOT_START(%r15)
	incq PLIB_SLOT_ENTRIES(%r15)
	shl $4, %r12
	mov (%rsp), %rdi
	mov 8(%rsp), %rsi
	mov 16(%rsp), %rdx
	mov 24(%rsp), %rcx
	add $32, %rsp
	ENTRY_STATE			/* DF, AC, TF: set anew for every call */
	call *PLIB_GATE_ENTRIES+PLIB_ENTRY_ADDR(%r12)
	movq $0, PLIB_SLOT_START(%r15)	/* closed */
	movq $0, PLIB_SLOT_SERVING(%r15)
	incq PLIB_SLOT_RETURNS(%r15)
	mov %rax, PLIB_HO_RESULT(%rbx)
	mov $PLIB_HO_DONE, %ecx
	xchg %ecx, PLIB_HO_STATE(%rbx)	/* publish: a full barrier before the WAITS read */
	cmpl $0, PLIB_HO_WAITS(%rbx)
	je 6f
	mov $PLIB_SYS_RING, %edi
	mov %r14, %rsi
	PORT_SYS			/* the caller parked: wake it */
6:	inc %r14d			/* the next look starts after this caller */
	jmp spin

refuse:
	/* A request no gate would have posted: the caller wrote the slot
	   itself. The VMM stops the run (the fault names this library). */
	mov $PLIB_SYS_GATE_FAULT, %edi
	mov $PLIB_GATE_BAD_VIEW, %esi
	mov %r12, %rcx
	PORT_SYS
	ud2

/* Write ecx to the SLEEPS word of every slot into this library. */
mark_sleep:
	push %r14
	push %rbx
	xor %r14d, %r14d
1:	mov PLIB_GATE_DATA+PLIB_HDR_CALLERS, %rax
	bt %r14, %rax
	jnc 2f
	SLOT_OF
	mov %ecx, PLIB_HO_SLEEPS(%rbx)
2:	inc %r14d
	cmp $PLIB_MAX_DOMAINS, %r14d
	jb 1b
	pop %rbx
	pop %r14
	ret

/* The waiting side of a library's own call (gate_call, in a library's
   view; page 0 calls these only there). in_mark writes ecx to the SLEEPS
   word of every slot into this library. in_cycle: ZF clear when a call
   waits in a slot into this library other than the one it serves: one
   thread of control runs per application instance, so that call can only
   come from a library downstream of this one's own open call (a cycle,
   which would wait for ever on this busy vCPU), or from a caller that
   wrote its slot without the gate. Both keep rdi..r11 but rax, rcx, rdx. */
in_mark:
	push %rsi
	xor %esi, %esi
1:	mov PLIB_GATE_DATA+PLIB_HDR_CALLERS, %rax
	bt %rsi, %rax
	jnc 2f
	SLOT_OFFSET_FROM_RSI
	mov %ecx, PLIB_HANDOFF_SLOTS+PLIB_HO_SLEEPS(%rdx)
2:	inc %esi
	cmp $PLIB_MAX_DOMAINS, %esi
	jb 1b
	pop %rsi
	ret

in_cycle:
	push %rsi
	mov PLIB_GATE_DATA+PLIB_HDR_VIEW, %rcx
	mov PLIB_GATE_DATA+PLIB_HDR_SLOTS(,%rcx,8), %rcx
	mov PLIB_SLOT_SERVING(%rcx), %rcx	/* the slot of its own open call */
	xor %esi, %esi
1:	mov PLIB_GATE_DATA+PLIB_HDR_CALLERS, %rax
	bt %rsi, %rax
	jnc 2f
	SLOT_OFFSET_FROM_RSI
	add $PLIB_HANDOFF_SLOTS, %rdx
	cmp %rcx, %rdx
	je 2f
	cmpl $PLIB_HO_CALL, PLIB_HO_STATE(%rdx)
	je 3f
2:	inc %esi
	cmp $PLIB_MAX_DOMAINS, %esi
	jb 1b
	xor %eax, %eax			/* ZF set: none */
	pop %rsi
	ret
3:	mov $1, %eax
	test %eax, %eax			/* ZF clear: a cycle */
	pop %rsi
	ret

	.org PLIB_GATE_OUT - PLIB_GATE_PAGE, 0xcc
	int3				/* page 2: nothing runs here */
