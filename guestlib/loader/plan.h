/*
 * plan.h - what the host supervisor tells the loader to do: the layout of
 * the plan file it passes as descriptor 3. Written by loaderPlan.encode
 * (backend/hostproc/loaderrun.go); TestPlanHeaderMatchesGo compiles this
 * header and checks every constant and field offset against it.
 */
#ifndef PLIB_LOADER_PLAN_H
#define PLIB_LOADER_PLAN_H

#include <stdint.h>

#define PLAN_MAGIC 0x4e414c5042494c50ULL /* "PLIBPLAN" little-endian */
#define PLAN_FD 3
#define PLAN_MAX_REGIONS 64
#define PLAN_MAX_KEYS 15
#define PLAN_MAX_FILTER 4096 /* BPF instructions */

/* One mapping: [addr, addr+size) from descriptor fd at offset off, with
 * prot (PROT_* bits); pkey > 0: then keyed with protection key pkey.
 * flags PLAN_PRIVATE_HUGE: instead of sharing the file's pages, the
 * region is private anonymous memory asking for transparent huge pages
 * (madvise MADV_HUGEPAGE; addr and size are 2 MiB multiples), filled
 * with a copy of the file's bytes, then given prot. */
struct plan_region {
	uint64_t addr, size, prot, fd, off, pkey, flags;
};

#define PLAN_PRIVATE_HUGE 1

struct plan {
	uint64_t magic;
	uint64_t entry;      /* where the image starts (its _start) */
	uint64_t stack_top;  /* its stack pointer */
	uint64_t nkeys;      /* pku: allocate keys 1..nkeys, access- and write-disabled */
	uint64_t app_pkru;   /* pku: the PKRU that leaves the image with (checked) */
	uint64_t stop;       /* 1: stop (SIGSTOP) once mapped, before the filter, for the supervisor's scan */
	uint64_t nregions;
	uint64_t filter_len; /* seccomp filter: BPF instructions after the regions */
	uint64_t fs_base;    /* the thread pointer the image starts with: its domain's TLS block */
	struct plan_region regions[PLAN_MAX_REGIONS];
	/* followed by filter_len struct sock_filter (8 bytes each) */
};

/* Exit codes of the loader when it cannot set the image up (it never
 * runs the image then): the supervisor reports them. */
#define LOADER_EXIT_PLAN 120   /* the plan is malformed */
#define LOADER_EXIT_MAP 121    /* a mapping failed */
#define LOADER_EXIT_KEYS 122   /* protection keys could not be set up */
#define LOADER_EXIT_FILTER 123 /* the seccomp filter was refused */
#define LOADER_EXIT_TLS 124    /* the thread pointer could not be set */

#endif
