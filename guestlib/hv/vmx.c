/* vmx.c - turn VMX on and enter the workload: check the CPU for VMX, EPT
 * and VMFUNC EPTP switching, place the bundle's guest memory and EPT,
 * build one VMCS (64-bit guest, EPT view 0, VM functions on with the
 * EPTP list) and launch. Exits are handled in exits.c. */
#include "hv.h"
#include "vmx.h"
#include "plib_abi.h"

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};
struct mb_module {
	uint32_t start, end, string, reserved;
};

struct guest_regs guest_regs;
const struct bundle *B;
extern char hv_tss[], hv_stack_top[];
extern void vm_exit_entry(void);
int vm_launch(void);

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs_region[4096] __attribute__((aligned(4096)));
static uint8_t exit_stack[16384] __attribute__((aligned(16)));

#define CR4_VMXE (1ull << 13)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_FSGSBASE (1ull << 16)

/* CR4 bits the guest gets beyond the bundle's: OSXSAVE where xstate()
   enabled XSAVE; FSGSBASE where the CPU has it, for the gate's WRFSBASE
   (the image scan refuses the instruction everywhere else). */
static uint64_t guest_cr4_extra;

static int true_ctls;

/* A control word: the bits we want, plus those the CPU requires, minus
 * none we need (a missing one is fatal, by name). */
static uint32_t control(uint32_t want, uint32_t msr, uint32_t true_msr, const char *what)
{
	uint64_t cap = rdmsr(true_ctls && true_msr ? true_msr : msr);
	uint32_t v = (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
	if ((v & want) != want) {
		fatal_begin(FATAL_UNSUPPORTED);
		put("this CPU lacks VMX controls ");
		putx(want & ~v);
		put(" in ");
		fatal_end(what);
	}
	return v;
}

static void w(uint64_t field, uint64_t v)
{
	if (vmwrite(field, v)) {
		fatal_begin(FATAL_FAILED);
		put("vmwrite of field ");
		putx(field);
		fatal_end(" refused");
	}
}

static uint64_t cr(int n)
{
	uint64_t v = 0;
	if (n == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	if (n == 3)
		__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	if (n == 4)
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void check_cpu(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[2] & (1 << 5)))
		fatal(FATAL_UNSUPPORTED, "no VMX: CPUID.1:ECX[5] is 0");
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	true_ctls = (basic >> 55) & 1;
	uint32_t proc2 = (uint32_t)(rdmsr(MSR_VMX_PROCBASED2) >> 32);
	uint64_t ept = rdmsr(MSR_VMX_EPT_VPID_CAP);
	int vmfunc = (proc2 >> 13) & 1, eptp_switch = vmfunc && (rdmsr(MSR_VMX_VMFUNC) & 1);
	put("PLIB vmx ept=");
	putd((proc2 >> 1) & 1);
	put(" vmfunc=");
	putd(vmfunc);
	put(" eptp-switching=");
	putd(eptp_switch);
	put(" walk4=");
	putd((ept >> 6) & 1);
	put(" wb=");
	putd((ept >> 14) & 1);
	put(" 2m-pages=");
	putd((ept >> 16) & 1);
	put("\n");
	if (!((proc2 >> 1) & 1) || !eptp_switch || !((ept >> 6) & 1) || !((ept >> 14) & 1) || !((ept >> 16) & 1))
		fatal(FATAL_UNSUPPORTED, "the CPU lacks EPT, VMFUNC EPTP switching, 4-level walks, WB or 2 MiB EPT pages");
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & 1))
		wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4); /* lock, with VMXON outside SMX */
	else if (!(fc & 4))
		fatal(FATAL_UNSUPPORTED, "VMXON is disabled by IA32_FEATURE_CONTROL (locked by the firmware)");
}

static void load_bundle(const struct mb_info *mb)
{
	if (!(mb->flags & (1 << 3)) || mb->mods_count < 1)
		fatal(FATAL_BUNDLE, "no module: the bundle must be loaded as the first multiboot module");
	const struct mb_module *m = (const struct mb_module *)(uintptr_t)mb->mods_addr;
	B = (const struct bundle *)(uintptr_t)m->start;
	uint64_t size = m->end - m->start;
	if (size < BUNDLE_HEADER || B->magic != BUNDLE_MAGIC)
		fatal(FATAL_BUNDLE, "the module is not a plib bundle (vmm bundle writes one)");
	uint64_t need = BUNDLE_HEADER + B->guest_size + B->ept_pages * 4096;
	if (size < need || B->views < 1 || B->views > BUNDLE_MAX_VIEWS || B->nparams > BUNDLE_MAX_PARAMS)
		fatal(FATAL_BUNDLE, "the bundle is truncated or malformed");
	uint64_t lo = B->ept_hpa, hi = B->guest_hpa + B->guest_size;
	uint64_t ram = ((uint64_t)mb->mem_upper + 1024) * 1024;
	if (hi > ram || B->ept_hpa + B->ept_pages * 4096 > B->guest_hpa || (m->start < hi && m->end > lo) ||
	    lo < (uint64_t)(uintptr_t)hv_stack_top)
		fatal(FATAL_BUNDLE, "the bundle's memory does not fit this machine (give Bochs more megs)");
	const uint8_t *src = (const uint8_t *)B + BUNDLE_HEADER;
	memcpy((void *)(uintptr_t)B->guest_hpa, src, B->guest_size);
	memcpy((void *)(uintptr_t)B->ept_hpa, src + B->guest_size, B->ept_pages * 4096);
	put("PLIB bundle views=");
	putd((int64_t)B->views);
	put(" guest-bytes=");
	putd((int64_t)B->guest_size);
	put(" ept-pages=");
	putd((int64_t)B->ept_pages);
	put("\n");
}

/* The guest's extended state: XCR0 is not part of the VMCS, so the guest
   runs with the hypervisor's. Enable what of the bundle's xcr0_max this
   CPU has (AVX only with SSE, AVX-512 only whole), then tell the gate
   which classes to clear: the feature word in every view's header page,
   written before the guest runs. With no XSAVE the word stays 0 (x87
   and SSE, which CR4.OSFXSR enables). */
static void xstate(void)
{
	uint32_t r[4];
	uint64_t x = 0, f = 0;
	cpuid(1, 0, r);
	if (B->xcr0_max && (r[2] & (1u << 26))) { /* XSAVE */
		cpuid(0xd, 0, r);
		x = (((uint64_t)r[3] << 32) | r[0]) & B->xcr0_max;
		if ((x & 3) != 3)
			x = 0;			/* no x87 and SSE state: leave XSAVE off */
		if ((x & 0xe4) != 0xe4)
			x &= ~0xe0ull;		/* AVX-512 needs AVX and all three of its components */
	}
	if (x) {
		uint64_t c4 = cr(4) | CR4_OSXSAVE;
		__asm__ volatile("mov %0, %%cr4" : : "r"(c4));
		__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)x), "d"((uint32_t)(x >> 32)));
		guest_cr4_extra |= CR4_OSXSAVE;
		if ((x & 6) == 6)
			f |= PLIB_XF_AVX;
		if ((x & 0xe6) == 0xe6)
			f |= PLIB_XF_AVX512;
	}
	uint64_t lo = B->guest_hpa, hi = B->guest_hpa + B->guest_size;
	for (uint64_t v = 0; v < B->views; v++) {
		uint64_t a = B->xfeat_hpa[v];
		if (a < lo || a + 8 > hi || (a & 7))
			fatal(FATAL_BUNDLE, "a view's feature word lies outside guest memory");
		*(volatile uint64_t *)(uintptr_t)a = f;
	}
	put("PLIB hv xstate xcr0=");
	putx(x);
	put(" xfeat=");
	putx(f);
	put("\n");
}

/* The application's thread pointer (its TLS block), from the table of the
   header page whose feature word xstate() wrote: the gate sets every
   later one, but the application runs before its first call. */
static uint64_t app_thread_pointer(void)
{
	uint64_t a = B->xfeat_hpa[0] - PLIB_HDR_XFEAT + PLIB_HDR_TLS;
	if (a < B->guest_hpa || a + 8 > B->guest_hpa + B->guest_size || (a & 7))
		fatal(FATAL_BUNDLE, "the application's thread pointer lies outside guest memory");
	return *(volatile uint64_t *)(uintptr_t)a;
}

static void guest_state(void)
{
	uint32_t id[4];
	cpuid(7, 0, id);
	if (id[1] & 1) /* CPUID.(7,0):EBX.FSGSBASE */
		guest_cr4_extra |= CR4_FSGSBASE;
	uint64_t fixed0 = rdmsr(MSR_VMX_CR0_FIXED0), fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	w(GUEST_CR0, (B->cr0 | fixed0) & fixed1);
	w(CR0_SHADOW, B->cr0);
	w(CR4_MASK, CR4_VMXE); /* the guest reads its own CR4, without VMXE */
	w(CR4_SHADOW, B->cr4 | guest_cr4_extra);
	w(GUEST_CR4, ((B->cr4 | guest_cr4_extra | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1)) | CR4_VMXE);
	w(GUEST_CR3, B->cr3);
	w(GUEST_EFER, B->efer);
	w(GUEST_CS_SEL, B->cs_sel);
	w(GUEST_CS_BASE, 0);
	w(GUEST_CS_LIMIT, 0xffffffff);
	w(GUEST_CS_AR, B->cs_ar);
	static const uint32_t data[][4] = {{GUEST_SS_SEL, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR},
					   {GUEST_DS_SEL, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR},
					   {GUEST_ES_SEL, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR},
					   {GUEST_FS_SEL, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR},
					   {GUEST_GS_SEL, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR}};
	for (int i = 0; i < 5; i++) {
		w(data[i][0], B->data_sel);
		w(data[i][1], 0);
		w(data[i][2], 0xffffffff);
		w(data[i][3], B->data_ar);
	}
	w(GUEST_FS_BASE, app_thread_pointer());
	w(GUEST_LDTR_SEL, 0);
	w(GUEST_LDTR_BASE, 0);
	w(GUEST_LDTR_LIMIT, 0);
	w(GUEST_LDTR_AR, 1 << 16); /* unusable */
	w(GUEST_TR_SEL, B->tr_sel);
	w(GUEST_TR_BASE, B->tr_base);
	w(GUEST_TR_LIMIT, B->tr_limit);
	w(GUEST_TR_AR, B->tr_ar);
	w(GUEST_GDTR_BASE, B->gdt_base);
	w(GUEST_GDTR_LIMIT, B->gdt_limit);
	w(GUEST_IDTR_BASE, B->idt_base);
	w(GUEST_IDTR_LIMIT, B->idt_limit);
	w(GUEST_DR7, 0x400);
	w(GUEST_RSP, B->rsp);
	w(GUEST_RIP, B->rip);
	w(GUEST_RFLAGS, B->rflags);
	w(GUEST_SYSENTER_CS, 0);
	w(GUEST_SYSENTER_ESP, 0);
	w(GUEST_SYSENTER_EIP, 0);
	w(VMCS_LINK_POINTER, ~0ull);
	w(GUEST_INTERRUPTIBILITY, 0);
	w(GUEST_ACTIVITY, 0);
	w(GUEST_PENDING_DBG, 0);
}

static void host_state(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	w(HOST_CR0, cr(0));
	w(HOST_CR3, cr(3));
	w(HOST_CR4, cr(4));
	w(HOST_CS_SEL, 0x08);
	w(HOST_SS_SEL, 0x10);
	w(HOST_DS_SEL, 0x10);
	w(HOST_ES_SEL, 0x10);
	w(HOST_FS_SEL, 0);
	w(HOST_GS_SEL, 0);
	w(HOST_TR_SEL, 0x18);
	w(HOST_FS_BASE, 0);
	w(HOST_GS_BASE, 0);
	w(HOST_TR_BASE, (uintptr_t)hv_tss);
	w(HOST_GDTR_BASE, gdtr.base);
	w(HOST_IDTR_BASE, idtr.base);
	w(HOST_EFER, rdmsr(MSR_EFER));
	w(HOST_SYSENTER_CS, 0);
	w(HOST_SYSENTER_ESP, 0);
	w(HOST_SYSENTER_EIP, 0);
	w(HOST_RSP, (uintptr_t)(exit_stack + sizeof exit_stack));
	w(HOST_RIP, (uintptr_t)vm_exit_entry);
}

static void controls(void)
{
	w(PIN_CONTROLS, control(0, MSR_VMX_PINBASED, MSR_VMX_TRUE_PINBASED, "pin-based controls"));
	/* unconditional I/O exiting (24), HLT exiting (7), secondary controls (31) */
	w(PROC_CONTROLS, control(1u << 24 | 1u << 7 | 1u << 31, MSR_VMX_PROCBASED, MSR_VMX_TRUE_PROCBASED,
				 "processor-based controls"));
	/* enable EPT (1), enable VM functions (13) */
	w(PROC_CONTROLS2, control(1u << 1 | 1u << 13, MSR_VMX_PROCBASED2, 0, "secondary controls"));
	/* 64-bit host (9), save EFER (20), load EFER (21) */
	w(EXIT_CONTROLS, control(1u << 9 | 1u << 20 | 1u << 21, MSR_VMX_EXIT, MSR_VMX_TRUE_EXIT, "exit controls"));
	/* IA-32e mode guest (9), load EFER (15) */
	w(ENTRY_CONTROLS, control(1u << 9 | 1u << 15, MSR_VMX_ENTRY, MSR_VMX_TRUE_ENTRY, "entry controls"));
	w(EXCEPTION_BITMAP, 0); /* the guest's own IDT handles its exceptions */
	w(CR3_TARGET_COUNT, 0);
	w(EXIT_MSR_STORE_COUNT, 0);
	w(EXIT_MSR_LOAD_COUNT, 0);
	w(ENTRY_MSR_LOAD_COUNT, 0);
	w(ENTRY_INTR_INFO, 0);
	w(CR0_MASK, 0);
	const uint64_t *list = (const uint64_t *)(uintptr_t)B->eptp_list;
	w(EPT_POINTER, list[0]); /* the application's view */
	w(VMFUNC_CONTROLS, 1);   /* VM function 0: EPTP switching */
	w(EPTP_LIST_ADDR, B->eptp_list);
}

void hv_main(uint32_t mb_addr)
{
	put("PLIB hv guestlib hypervisor mode\n");
	check_cpu();
	load_bundle((const struct mb_info *)(uintptr_t)mb_addr);
	xstate();
	uint64_t c0 = cr(0), c4 = cr(4) | CR4_VMXE;
	c0 = (c0 | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1);
	c4 = (c4 | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1);
	__asm__ volatile("mov %0, %%cr0; mov %1, %%cr4" : : "r"(c0), "r"(c4));
	uint32_t rev = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	*(uint32_t *)vmxon_region = rev;
	*(uint32_t *)vmcs_region = rev;
	if (vmxon((uintptr_t)vmxon_region))
		fatal(FATAL_FAILED, "VMXON failed");
	if (vmclear((uintptr_t)vmcs_region) || vmptrld((uintptr_t)vmcs_region))
		fatal(FATAL_FAILED, "VMCLEAR/VMPTRLD failed");
	controls();
	host_state();
	guest_state();
	put("PLIB launch\n");
	vm_launch();
	fatal_begin(FATAL_FAILED);
	put("VMLAUNCH failed: VM-instruction error ");
	putd((int64_t)vmread(VM_INSTRUCTION_ERROR));
	put(" (SDM Vol. 3C, 31.4)\n");
	shutdown();
}

void hv_resume_failed(void)
{
	fatal_begin(FATAL_FAILED);
	put("VMRESUME failed: VM-instruction error ");
	putd((int64_t)vmread(VM_INSTRUCTION_ERROR));
	put("\n");
	shutdown();
}
