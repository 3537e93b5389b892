/*
 * bundle.h - the contract between the VMM and guestlib's hypervisor mode:
 * where the hypervisor is loaded, the ports its report and its end use,
 * and the bundle header that vmm.BuildBundle (vmm/hvbundle.go) writes and
 * the hypervisor reads. Every number and offset here is mirrored in Go
 * (package abi, hvbundle.go); abi's tests compile this file and fail if
 * the two disagree. The #defines are usable from C, assembly and the
 * linker script (build.sh runs link.ld through the preprocessor).
 */
#ifndef PLIB_HV_BUNDLE_H
#define PLIB_HV_BUNDLE_H

/* The hypervisor's link address: GRUB (multiboot) and vmm --vmfunc=nested
 * load it here. */
#define HV_LOAD_ADDR 0x100000

/* Port I/O of the hypervisor's report (see out.c). */
#define HV_PORT_DEBUG    0xe9   /* Bochs port_e9_hack: bytes appear on its stdout */
#define HV_PORT_SHUTDOWN 0x8900 /* Bochs: the string "Shutdown" powers off */

/* The bundle: BUNDLE_HEADER bytes of header, then guest memory, then the
 * EPT pages. Little-endian u64 fields unless said. */
#define BUNDLE_MAGIC      0x3130564842494c50 /* "PLIBHV01" */
#define BUNDLE_HEADER     4096
#define BUNDLE_GUEST_HPA  0x10000000 /* where the hypervisor places guest memory */
#define BUNDLE_EPT_HPA    0x0c000000 /* where it places the EPT pages */
#define BUNDLE_MAX_PARAMS 16
#define BUNDLE_NAME       48
#define BUNDLE_MAX_VIEWS  8 /* PLIB_MAX_DOMAINS */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct bundle_param {
	char name[BUNDLE_NAME];
	int64_t value;
};
struct bundle {
	uint64_t magic, guest_hpa, guest_size, ept_hpa, ept_pages, eptp_list, views;
	uint64_t rip, rsp, rflags, cr0, cr3, cr4, efer;
	uint64_t gdt_base, gdt_limit, idt_base, idt_limit, tr_base, tr_limit;
	uint64_t cs_sel, data_sel, tr_sel, cs_ar, data_ar, tr_ar;
	uint64_t nparams;
	struct bundle_param params[BUNDLE_MAX_PARAMS];
	char names[BUNDLE_MAX_VIEWS][BUNDLE_NAME]; /* each view's name */
	/* The XCR0 bits the guest may have (x87, SSE, AVX, AVX-512; 0: no
	   XSAVE): the hypervisor enables those the CPU has and writes the
	   matching PLIB_XF_* word at each view's xfeat_hpa (the header
	   page's feature word, 0: no such view) before the guest runs. */
	uint64_t xcr0_max;
	uint64_t xfeat_hpa[BUNDLE_MAX_VIEWS];
};
_Static_assert(sizeof(struct bundle) <= BUNDLE_HEADER, "the bundle header outgrew its page");
#endif

#endif
