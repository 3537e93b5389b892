/* exits.c - what the hypervisor mode does on each VM exit: platform calls
 * (port I/O, as under the VMM), the supervisor's exception reports, EPT
 * violations and VMFUNC failures (isolation violations, reported with
 * domain, address and RIP); anything else is a fatal report. The view
 * switches themselves never exit: VMFUNC runs in the (emulated) CPU. */
#include "hv.h"
#include "vmx.h"
#include "plib_abi.h"

extern const struct bundle *B;
static uint64_t exits_io, exits_fault;

/* Walks view's EPT (4 levels, 2 MiB leaves allowed) for gpa. */
void *guest_ptr(int view, uint64_t gpa, int want_w)
{
	if (view < 0 || (uint64_t)view >= B->views)
		return 0;
	uint64_t e = ((const uint64_t *)(uintptr_t)B->eptp_list)[view];
	if (!e)
		return 0;
	uint64_t table = e & 0x000ffffffffff000ull;
	for (int level = 3; level >= 0; level--) {
		e = ((const uint64_t *)(uintptr_t)table)[(gpa >> (12 + 9 * level)) & 511];
		if (!(e & 1) || (want_w && !(e & 2)))
			return 0;
		if (level == 1 && (e & (1 << 7))) /* a 2 MiB page */
			return (void *)(uintptr_t)((e & 0x000fffffffe00000ull) + (gpa & 0x1fffff));
		table = e & 0x000ffffffffff000ull;
	}
	return (void *)(uintptr_t)(table + (gpa & 0xfff));
}

int current_view(void)
{
	uint64_t eptp = vmread(EPT_POINTER);
	const uint64_t *list = (const uint64_t *)(uintptr_t)B->eptp_list;
	for (uint64_t i = 0; i < B->views; i++)
		if (list[i] == eptp)
			return (int)i;
	return -1;
}

static void name(int view)
{
	putd(view);
	if (view >= 0 && view < (int)B->views) {
		put(" (");
		put(B->names[view]);
		put(")");
	}
}

/* Copies [gpa, gpa+n) as view sees it; 0 if any byte is not mapped. */
static int read_guest(int view, uint64_t gpa, void *dst, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *p = guest_ptr(view, gpa + i, 0);
		if (!p)
			return 0;
		((uint8_t *)dst)[i] = *p;
	}
	return 1;
}

static void violation(const char *kind, int view, uint64_t addr, uint64_t rip, const char *caught)
{
	put("PLIB violation kind=");
	put(kind);
	put(" view=");
	name(view);
	put(" address=");
	putx(addr);
	put(" rip=");
	putx(rip);
	put(" caught-by=");
	put(caught);
	put("\n");
}

/* The switches the gate counted in each library's trusted slot. */
static void report_switches(void)
{
	uint64_t total = 0;
	for (uint64_t v = 1; v < B->views; v++) {
		uint64_t slot, counts[2];
		if (!read_guest((int)v, PLIB_GATE_DATA + PLIB_HDR_SLOTS + 8 * v, &slot, 8) || !slot ||
		    !read_guest((int)v, slot + PLIB_SLOT_ENTRIES, counts, 16))
			continue;
		put("PLIB switches view=");
		name((int)v);
		put(" entries=");
		putd((int64_t)counts[0]);
		put(" returns=");
		putd((int64_t)counts[1]);
		put("\n");
		total += counts[0] + counts[1];
	}
	put("PLIB hardware-switches ");
	putd((int64_t)total);
	put(" exits-io=");
	putd((int64_t)exits_io);
	put(" exits-fault=");
	putd((int64_t)exits_fault);
	put("\n");
}

static uint64_t platform_call(int view, uint64_t rip)
{
	struct guest_regs *r = &guest_regs;
	uint64_t nr = r->rdi, a0 = r->rsi, a1 = r->r8, a2 = r->rcx;
	char buf[256];
	switch (nr) {
	case PLIB_SYS_NOP:
		return 0;
	case PLIB_SYS_EXIT:
		report_switches();
		put("PLIB exit ");
		putd((int64_t)a0);
		put("\n");
		shutdown();
	case PLIB_SYS_PRINT:
		for (uint64_t off = 0; off < a1; off += sizeof buf) {
			uint64_t n = a1 - off < sizeof buf ? a1 - off : sizeof buf;
			if (!read_guest(view, a0 + off, buf, n)) {
				violation("platform-call", view, a0 + off, rip, "platform-call validation (print buffer)");
				shutdown();
			}
			putn(buf, n);
		}
		return 0;
	case PLIB_SYS_METRIC:
	case PLIB_SYS_PARAM:
		if (a1 == 0 || a1 >= BUNDLE_NAME || !read_guest(view, a0, buf, a1)) {
			violation("platform-call", view, a0, rip, "platform-call validation (name)");
			shutdown();
		}
		buf[a1] = 0;
		if (nr == PLIB_SYS_PARAM) {
			for (uint64_t i = 0; i < B->nparams; i++) {
				const char *p = B->params[i].name;
				uint64_t j = 0;
				while (j < a1 && p[j] == buf[j])
					j++;
				if (j == a1 && p[j] == 0)
					return (uint64_t)B->params[i].value;
			}
			return a2;
		}
		put("PLIB metric ");
		put(buf);
		put(" ");
		putd((int64_t)a2);
		put("\n");
		return 0;
	case PLIB_SYS_GATE_FAULT:
		put("PLIB violation kind=gate reason=");
		putd((int64_t)a0);
		put(" view=");
		name(view);
		put(" rip=");
		putx(rip);
		put(" caught-by=gate-check\n");
		shutdown();
	}
	violation("platform-call", view, nr, rip, "platform-call validation (unknown call)");
	shutdown();
}

/* The supervisor's report: its frame {rdx, vector, error, rip, cs,
 * rflags, rsp, ss} on the ring-0 stack. */
static void __attribute__((noreturn)) exception_report(int view, uint64_t rsp)
{
	uint64_t f[8], cr2;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	if (!read_guest(view, rsp, f, sizeof f))
		fatal(FATAL_FAILED, "exception report with an unreadable frame");
	put("PLIB violation kind=exception vector=");
	putd((int64_t)f[1]);
	put(" error=");
	putx(f[2]);
	put(" view=");
	name(view);
	put(" rip=");
	putx(f[3]);
	put(" cr2=");
	putx(cr2);
	put(" caught-by=guest-idt\n");
	shutdown();
}

void hv_exit(void)
{
	uint64_t reason = vmread(EXIT_REASON) & 0xffff, qual = vmread(EXIT_QUALIFICATION);
	uint64_t rip = vmread(GUEST_RIP);
	int view = current_view();
	switch (reason) {
	case EXIT_CPUID: {
		/* CPUID always exits under VMX: answer it as the CPU would for
		   this guest, which has the hypervisor's CR4.OSXSAVE and XCR0
		   (xstate() in vmx.c: the bundle's feature word matches) and no
		   VMX. */
		uint32_t a = (uint32_t)guest_regs.rax, b, c = (uint32_t)guest_regs.rcx, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		if ((uint32_t)guest_regs.rax == 1)
			c &= ~(1u << 5); /* VMX */
		guest_regs.rax = a;
		guest_regs.rbx = b;
		guest_regs.rcx = c;
		guest_regs.rdx = d;
		vmwrite(GUEST_RIP, rip + vmread(EXIT_INSTRUCTION_LEN));
		return;
	}
	case EXIT_IO: {
		uint16_t port = (uint16_t)(qual >> 16);
		int in = (qual >> 3) & 1, cpl = (int)(vmread(GUEST_CS_AR) >> 5) & 3;
		if (!in && port == PLIB_PORT_SYS) {
			exits_io++;
			guest_regs.rax = platform_call(view, rip);
			vmwrite(GUEST_RIP, rip + vmread(EXIT_INSTRUCTION_LEN));
			return;
		}
		if (!in && port == PLIB_PORT_FAULT && cpl == 0) {
			exits_fault++;
			exception_report(view, vmread(GUEST_RSP));
		}
		violation("io", view, port, rip, "hypervisor port check");
		shutdown();
	}
	case EXIT_EPT_VIOLATION: {
		const char *kind = qual & 2 ? "write" : qual & 4 ? "execute" : "read";
		uint64_t gpa = vmread(GUEST_PHYS_ADDR);
		violation(kind, view, gpa, rip, "EPT view (hardware EPT violation)");
		shutdown();
	}
	case EXIT_VMFUNC:
		if (guest_regs.rax == 0 && guest_regs.rcx < B->views) {
			put("PLIB violation kind=vmfunc-eptp index=");
			putd((int64_t)guest_regs.rcx);
			put(" view=");
			name(view);
			put(" rip=");
			putx(rip);
			put(" caught-by=VMFUNC (the EPTP-list entry is not a valid EPTP)\n");
			shutdown();
		}
		put("PLIB violation kind=vmfunc-index index=");
		putd((int64_t)guest_regs.rcx);
		put(" leaf=");
		putd((int64_t)guest_regs.rax);
		put(" view=");
		name(view);
		put(" rip=");
		putx(rip);
		put(" caught-by=VMFUNC (index outside the EPTP list)\n");
		shutdown();
	case EXIT_TRIPLE_FAULT:
		violation("triple-fault", view, 0, rip, "CPU (the guest's exception handling failed)");
		shutdown();
	case EXIT_EPT_MISCONFIG:
		fatal_begin(FATAL_FAILED);
		put("EPT misconfiguration at ");
		putx(vmread(GUEST_PHYS_ADDR));
		put(": the bundle's EPT is corrupt\n");
		shutdown();
	}
	fatal_begin(FATAL_FAILED);
	put("unexpected VM exit reason ");
	putd((int64_t)reason);
	put(" qualification ");
	putx(qual);
	put(" rip ");
	putx(rip);
	put(" view ");
	name(view);
	put("\n");
	shutdown();
}
