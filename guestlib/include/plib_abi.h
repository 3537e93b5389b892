/*
 * plib_abi.h - the fixed contract between an image, the gates and the VMM.
 *
 * Every number here has a twin in Go (package abi); abi's tests compile this
 * file and fail if the two disagree, or if a #define has no twin. Usable
 * from C and from assembly.
 */
#ifndef PLIB_ABI_H
#define PLIB_ABI_H

/* Every image is linked at this address; its first page is the gate page. */
#define PLIB_IMAGE_BASE   0x40000000
#define PLIB_GATE_PAGE    0x40000000 /* backend gate code: 3 pages (loader-installed) */
#define PLIB_GATE_IN      0x40001000 /* vmfunc: 2nd gate page, mapped in library views */
#define PLIB_GATE_OUT     0x40002000 /* vmfunc: 3rd gate page, mapped in the app's view */
#define PLIB_GATE_PAGES   3
#define PLIB_GATE_DATA    0x40003000 /* per-view header page (loader-filled) */
#define PLIB_GATE_ENTRIES 0x40004000 /* entry table page (loader-filled) */
#define PLIB_IMAGE_CODE   0x40005000 /* first address an image section may use */
#define PLIB_IMAGE_LIMIT  0x60000000 /* images end below this address */

/* Offsets of the gate routines inside the gate page. */
#define PLIB_GATE_CALL_OFF 0x000 /* long call(entry, a0, a1, a2, a3) */
#define PLIB_GATE_SYS_OFF  0x400 /* long sys(nr, a0, a1, a2) */

/* vmfunc backend: the trusted ring-0 supervisor (guest-physical = virtual). */
#define PLIB_SUP_CODE       0x103000 /* exception stubs, 16 bytes per vector */
#define PLIB_SUP_STACK_TOP  0x108000

/* Header page fields (byte offsets from PLIB_GATE_DATA). */
#define PLIB_HDR_MAGIC     0x00 /* "PLIBGATE" */
#define PLIB_HDR_VIEW      0x08 /* view (domain) this copy of the page is mapped in */
#define PLIB_HDR_NENTRIES  0x10 /* entry table size */
#define PLIB_HDR_HOSTCTX   0x18 /* host backends: address of the platform page */
#define PLIB_HDR_APP       0x20 /* this application instance (0..apps-1) */
#define PLIB_HDR_APPS      0x28 /* how many application instances run */
#define PLIB_MAX_APPS      8    /* instances an image may ask for (PLIB_APPS) */
#define PLIB_HDR_XFEAT     0x30 /* the register state the CPU gives this image (PLIB_XF_*): which the gates clear */
#define PLIB_XF_AVX        0x1  /* ymm: XCR0 has SSE and AVX state (VZEROALL clears ymm0-15) */
#define PLIB_XF_AVX512     0x2  /* zmm, k0-7: XCR0 has opmask, ZMM_Hi256 and Hi16_ZMM (AVX512F) */
#define PLIB_MXCSR_DEFAULT 0x1f80 /* every library starts with this MXCSR (all exceptions masked, round to nearest) */
#define PLIB_FCW_DEFAULT   0x037f /* and this x87 control word (FNINIT's) */
#define PLIB_HDR_STACKS    0x100 /* u64[PLIB_MAX_DOMAINS]: library stack tops */
#define PLIB_HDR_ARGBASE   0x200 /* u64[PLIB_MAX_DOMAINS]: argument area bases */
#define PLIB_HDR_ARGSIZE   0x240 /* u64[PLIB_MAX_DOMAINS]: argument area sizes */
#define PLIB_HDR_TEXTBASE  0x280 /* u64[PLIB_MAX_DOMAINS]: library code (host backends) */
#define PLIB_HDR_TEXTSIZE  0x2c0
#define PLIB_HDR_PRIVBASE  0x300 /* u64[PLIB_MAX_DOMAINS]: library data + stack */
#define PLIB_HDR_PRIVSIZE  0x340
#define PLIB_HDR_PKRU      0x380 /* u64[PLIB_MAX_DOMAINS]: pku: PKRU each domain runs with */
#define PLIB_HDR_SLOTS     0x3c0 /* u64[PLIB_MAX_DOMAINS]: a library's trusted slot, just above its stack */
#define PLIB_SLOT_BYTES    64    /* the slot: {u64 saved rsp, u64 pending, counters} and room */
#define PLIB_SLOT_ENTRIES  16    /* u64: calls that entered the library (vmfunc gate, in its view) */
#define PLIB_SLOT_RETURNS  24    /* u64: returns it switched back from (vmfunc gate) */
#define PLIB_SLOT_START    32    /* host loader runtime: TSC when its open call began (0: none open) */
#define PLIB_SLOT_ENTRY    40    /* host loader runtime: the entry of that call */
#define PLIB_SLOT_CALLER   8     /* process: the domain whose call is open (0: the app), written by the serve loop */
#define PLIB_SLOT_SERVING  0     /* handoff: the request slot of the call the library serves (0: none); vmfunc keeps the saved rsp here */
#define PLIB_HDR_REQ       0x400 /* u64[PLIB_MAX_DOMAINS]: process: each library's request page */
#define PLIB_HDR_BUDGET    0x440 /* unused: no gate keeps the call budget (the supervisors do); kept so that no other field takes it */
#define PLIB_HDR_SPIN      0x448 /* process, handoff: how long a waiting side spins before it sleeps, TSC cycles (0: sleep at once) */
#define PLIB_HDR_INREQ     0x4c0 /* u64[PLIB_MAX_DOMAINS]: process: a library's incoming request pages, by caller (0: none) */

/* handoff backend: every library runs on a vCPU of its own, in its own
   view, for good; a call is handed to it through a request slot, one page
   per (caller, library) pair at PLIB_HANDOFF_SLOTS + (caller * 8 +
   library) * 4096, mapped by those two views only. Every word in it is
   written by the caller and read once by the library's serve code. */
#define PLIB_HDR_CALLERS   0x508 /* handoff: bitmask of the callers with a slot into this view */
#define PLIB_HDR_SLOTMAP   0x510 /* handoff: bitmask of the libraries this view has a slot to (0: no slots) */
#define PLIB_HDR_SPINTO    0x518 /* u64[PLIB_MAX_DOMAINS]: handoff: how long this view spins waiting on each library, TSC cycles (0: park at once) */
#define PLIB_HDR_TLS       0x580 /* u64[PLIB_MAX_DOMAINS]: each domain's thread pointer (its TLS block), which the gates load */

/* Each domain's TLS block: the first PLIB_TLS_BYTES of its data section
   (rt's plib_tls, placed first by mkimage). The trusted loader writes the
   self pointer and a per-run random stack canary; the rest is the
   domain's. The thread pointer (FS base) of a domain is its block. */
#define PLIB_TLS_BYTES     4096
#define PLIB_TLS_SELF      0x00 /* u64: the block's own address (musl's self pointer) */
#define PLIB_TLS_CANARY    0x28 /* u64: the stack protector's canary (%fs:0x28) */
#define PLIB_TLS_SECRET    0x800 /* u64 length, then the library's secret (vmm run --secret), to the block's end */
#define PLIB_SECRET_MAX    (PLIB_TLS_BYTES - PLIB_TLS_SECRET - 8) /* 2040 bytes */
#define PLIB_HANDOFF_SLOTS 0x60000000 /* = PLIB_IMAGE_LIMIT: above every image */
#define PLIB_HO_STATE      0x00 /* u32: */
#define PLIB_HO_IDLE       0
#define PLIB_HO_CALL       1   /* the caller posted a call */
#define PLIB_HO_DONE       2   /* the library posted the result */
#define PLIB_HO_ENTRY      0x08
#define PLIB_HO_ARGS       0x10 /* u64[4] */
#define PLIB_HO_RESULT     0x30
#define PLIB_HO_WAITS      0x40 /* u32, own cache line: the caller parks (ring it when done) */
#define PLIB_HO_SLEEPS     0x80 /* u32, own cache line: the library parks (ring it on a call) */
#define PLIB_SYS_PARK      8    /* handoff: park this vCPU until it is rung */
#define PLIB_SYS_RING      9    /* handoff: a0 = view: wake its vCPU */

/* process backend: a request page is one channel, from one caller (the
   app or a library) to one library, mapped by those two processes only.
   A caller posts on it and rings the channel's own doorbell (a counter
   only the two ends map: it only wakes the callee, which sleeps on the
   doorbells of all its channels at once and then looks at them). */
#define PLIB_REQ_STATE     0x00 /* u32 futex word: */
#define PLIB_REQ_IDLE      0
#define PLIB_REQ_CALL      1   /* the app posted a call */
#define PLIB_REQ_DONE      2   /* the library posted the result */
#define PLIB_REQ_DEAD      0x04 /* u32: the library process is gone (set by the vmm) */
#define PLIB_REQ_ENTRY     0x08
#define PLIB_REQ_ARGS      0x10 /* u64[4] */
#define PLIB_REQ_RESULT    0x30
#define PLIB_REQ_WAITING   0x38 /* u32: the caller sleeps on the channel (the library must wake it) */
#define PLIB_REQ_FAST      0x40 /* u64: calls answered while the caller spun (the caller's count) */
#define PLIB_REQ_SLOW      0x48 /* u64: calls the caller slept for (the caller's count) */
#define PLIB_REQ_BELL      0x50 /* u32: the channel's doorbell, bumped by the caller on every call */
#define PLIB_REQ_ASLEEP    0x54 /* u32: the library sleeps on its doorbells (the caller must wake it) */
#define PLIB_ERR_LIB_DEAD  (-32) /* a call's result when the library process died (-EPIPE) */
#define PLIB_ERR_BAD_ENTRY (-22) /* the library refused the entry index (-EINVAL) */
#define PLIB_GATE_SERVE_OFF 0xc00 /* process: the library process's serve loop */
#define PLIB_MAGIC         0x4554414742494c50 /* "PLIBGATE" little-endian */

/* Domains: 0 is the application, 1..7 are protected libraries. */
#define PLIB_MAX_DOMAINS   8
#define PLIB_MAX_FUNCS     32
#define PLIB_MAX_ENTRIES   (PLIB_MAX_DOMAINS * PLIB_MAX_FUNCS)
#define PLIB_ENTRY_SIZE    16 /* {u64 addr; u32 view; u32 valid} */
#define PLIB_ENTRY_ADDR    0  /* u64: the function's address */
#define PLIB_ENTRY_VIEW    8  /* u32: the library (view) it runs in */
#define PLIB_ENTRY_VALID   12 /* u32: nonzero for an exported entry */
/* The RFLAGS a library's entry point starts with (the gates' ENTRY_STATE):
   DF, AC, TF, NT and every status flag 0; bit 1 always reads 1. */
#define PLIB_ENTRY_RFLAGS  0x2

/* Platform calls (the nr argument of the sys gate). */
#define PLIB_SYS_NOP    0 /* does nothing: one empty exit under vmfunc */
#define PLIB_SYS_EXIT   1 /* a0 = exit code */
#define PLIB_SYS_PRINT  2 /* a0 = buffer, a1 = length */
#define PLIB_SYS_METRIC 3 /* a0 = name, a1 = name length, a2 = value */
#define PLIB_SYS_PARAM  4 /* a0 = name, a1 = name length, a2 = default */
#define PLIB_SYS_GATE_FAULT 5 /* a0 = reason: a gate check failed */
#define PLIB_SYS_SCRIBBLE 6 /* a0 = address, a1 = length (0: stop): see plib_scribble */
#define PLIB_SCRIBBLE_MAX 0x100000 /* 1 MiB */
#define PLIB_SYS_APP_ALIVE 7 /* a0 = instance: 1 running, 0 ended, -1 unknown */
#define PLIB_SYS_CLOCK 10 /* a0 = clock (0 realtime, 1 monotonic): its nanoseconds; -1 for another clock */
#define PLIB_CLOCK_REALTIME  0
#define PLIB_CLOCK_MONOTONIC 1
/* The paravirtual NIC (plib_nic.h); -1 where the run has no device. */
#define PLIB_SYS_NIC_ATTACH 16 /* a0 = ring base, in the calling library's own shared data */
#define PLIB_SYS_NIC_KICK   17 /* the attached library: the device sleeps, wake it */
#define PLIB_SYS_NIC_WAIT   18 /* a0 = token, a1 = microseconds: sleep while the ring's wait word is a0 */
#define PLIB_SYS_NIC_WAKE   19 /* the attached library: wake every waiter */
#define PLIB_NIC_WAIT_MAX_US 10000 /* one wait sleeps at most this long */

/* Gate fault reasons. */
#define PLIB_GATE_BAD_ENTRY 1 /* entry index out of range or unused */
#define PLIB_GATE_BAD_VIEW  2 /* switched into a view the entry does not belong to */
#define PLIB_GATE_REENTRY   3 /* a library with a call outstanding was called again */
#define PLIB_GATE_BAD_RETURN 4 /* a return into a library that made no call */
#define PLIB_GATE_BUDGET    5 /* no gate reports it: a caller's claim that a library ran past its budget, blamed on the caller */

/* Exit codes of the attack images (workloads/attacks), as the adversarial
   suite (attacks) judges them. An attack's own word decides
   little: a leak or a violation the VMM sees outranks any exit code, and
   only an attack declared able to say DEFEATED or REFUSED is believed. */
#define PLIB_ATTACK_WON            66 /* the attack got what it wanted: not stopped */
#define PLIB_ATTACK_NOT_APPLICABLE 67 /* the backend lacks what the attack needs (a VMFUNC, a SYSCALL, ...) */
#define PLIB_ATTACK_REFUSED        68 /* what it asked for was refused, without ending the run */
#define PLIB_ATTACK_DEFEATED       69 /* every call was answered properly: it got nothing */

/* Port I/O used by the vmfunc backend's guest. */
#define PLIB_PORT_SYS   0x510 /* platform calls; the only port ring 3 may use */
#define PLIB_PORT_FAULT 0x511 /* ring-0 exception reports */

/* Host backends run by the loader: the platform page, shared with the
   supervisor (another process), which treats all of it as hostile input.
   The gate's sys routine posts nr and a0..a2 at the CTX offsets below,
   sets the state to CALL and sleeps on it until the supervisor posts the
   result (CTX_RETVAL) and DONE. */
#define PLIB_HOST_PLATFORM 0x3ffff000 /* the platform page (read-write to the image) */
#define PLIB_PLAT_STATE    128 /* u32 futex word: */
#define PLIB_PLAT_IDLE     0
#define PLIB_PLAT_CALL     1
#define PLIB_PLAT_DONE     2

/* The platform page's fields (byte offsets). */
#define PLIB_CTX_RETVAL   48
#define PLIB_CTX_NR       56
#define PLIB_CTX_A0       64
#define PLIB_CTX_A1       72
#define PLIB_CTX_A2       80

#endif
