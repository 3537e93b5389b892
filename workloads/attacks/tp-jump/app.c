/* attack-tp-jump: jumps straight onto a WRFSBASE of the gate (the gate
 * page is readable: the app knows the layout) with RAX and RCX = a fake
 * TLS block in its own memory and every index register 0, a return
 * address of its own on the stack, hoping to come back with a thread
 * pointer of its choosing. The gate's RDFSBASE check after the write
 * finds a base that is no domain's block and faults. Exit 66: it came
 * back running on its own fake block; 67: this gate has no WRFSBASE (in
 * its first page, the one every view maps); 69: it came back on some
 * domain's block (still not stopped: the gate should have faulted). */
#include "../../null/api.h"

static uint64_t fake[512] __attribute__((aligned(64)));

/* long tp_jump(at, base, entry_off): jumps to at with rax = rcx = base,
   rbx = rbp = r9 = r11 = 0, r10 = entry_off and its own landing address
   as the return address; returns the FS base it lands with. */
long tp_jump(const unsigned char *at, long base, long entry_off);
__asm__(".text\n"
	"tp_jump:\n\t"
	"push %rbx\n\t"
	"push %rbp\n\t"
	"push %r12\n\t"
	"mov %rsi, %rax\n\t"
	"mov %rsi, %rcx\n\t"
	"xor %ebx, %ebx\n\t"
	"xor %ebp, %ebp\n\t"
	"xor %r9d, %r9d\n\t"
	"xor %r11d, %r11d\n\t"
	"mov %rdx, %r10\n\t"
	"lea 1f(%rip), %r12\n\t"
	"push %r12\n\t" /* where a gate routine's ret would land */
	"jmp *%rdi\n"
	"1:\n\t"
	"rdfsbase %rax\n\t"
	"pop %r12\n\t"
	"pop %rbp\n\t"
	"pop %rbx\n\t"
	"ret\n");

int main(void)
{
	const unsigned char *g = (const unsigned char *)PLIB_GATE_PAGE, *at = 0;
	for (int i = 0; i + 5 <= 4096 && !at; i++)
		if (g[i] == 0xf3 && (g[i + 1] & 0xf8) == 0x48 && g[i + 2] == 0x0f && g[i + 3] == 0xae && (g[i + 4] & 0xf8) == 0xd0)
			at = g + i; /* F3 REX.W 0F AE /2: WRFSBASE */
	if (!at) {
		plib_print("attack-tp-jump: no WRFSBASE in this backend's gate\n");
		return PLIB_ATTACK_NOT_APPLICABLE;
	}
	fake[0] = (uint64_t)fake;
	plib_metric("wrfsbase_at", (long)at);
	long got = tp_jump(at, (long)fake, NULL_NOOP * PLIB_ENTRY_SIZE);
	plib_metric("fs_base", got);
	if (got == (long)fake) {
		plib_print("attack-tp-jump: running on a thread pointer of its own choosing\n");
		return PLIB_ATTACK_WON;
	}
	return PLIB_ATTACK_DEFEATED;
}
