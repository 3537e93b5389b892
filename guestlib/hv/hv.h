/* hv.h - guestlib's hypervisor mode: shared declarations. */
#ifndef PLIB_HV_H
#define PLIB_HV_H

#include <stddef.h>
#include <stdint.h>

/* The guest's general registers between exits (vmentry.S uses the
 * offsets: 8 bytes each, in this order). */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};
extern struct guest_regs guest_regs;

/* The bundle header and the VMM's other numbers (shared with Go). */
#include "bundle.h"

/* Output on the Bochs debug port (0xE9): every report line starts with
 * "PLIB " so that the runner can parse it among the workload's prints. */
void put(const char *s);
void putn(const char *s, size_t n);
void putd(int64_t v);
void putx(uint64_t v);
void shutdown(void) __attribute__((noreturn));

/* A fatal report, "PLIB fatal STATUS TEXT", ends the run. STATUS is one
 * of FATAL_*, the word the runner branches on (vmm/hvmode/report.go's
 * Status); TEXT is for people. fatal_begin writes "PLIB fatal STATUS ",
 * fatal_end the rest of the line and ends the run; fatal does both. */
#define FATAL_UNSUPPORTED "unsupported" /* the CPU lacks what the mode needs */
#define FATAL_BUNDLE "bundle"           /* the module is not a usable bundle */
#define FATAL_FAILED "failed"           /* a VMX instruction, VM entry or the EPT failed */
void fatal_begin(const char *status);
void fatal_end(const char *what) __attribute__((noreturn));
void fatal(const char *status, const char *what) __attribute__((noreturn));

/* From guestlib/rt/rt.c, linked in as in every domain. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* Guest memory as one view maps it (EPT walk): the host pointer behind
 * gpa, or NULL if the view does not map it (or not writable, if want_w). */
void *guest_ptr(int view, uint64_t gpa, int want_w);
int current_view(void);

void hv_exit(void);
void hv_resume_failed(void) __attribute__((noreturn));

#endif
