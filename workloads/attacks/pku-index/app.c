/* app.c - attack-pku-index: jump straight onto one of the pku gate's
 * WRPKRUs (--param which=N: the Nth in the gate; default 2, the return
 * into a calling library) with EAX = 0, which opens every key, and with
 * the domain index register pointing the gate's after-the-write checks at
 * the app's own memory: there the "PKRU" it compares with is 0 and the
 * "slot" says a call is pending, on a fake stack that returns here. The
 * gate range-checks the index after the write, before it uses it, and
 * traps. If control came back, the app reads the library's secret with
 * every key open: exit 66. Elsewhere the gate holds no WRPKRU: exit 67. */
#include "../../null/api.h"

extern volatile uint64_t __plib_sec_plib_lib_null_data[];

/* pkui_evil[0] is read as a PKRU value, pkui_evil[8] (0x40 further,
   where the header's slot table lies after its PKRU table) as a slot
   address; the fake slot parks a stack that restores our registers. */
uint64_t pkui_evil[16] __attribute__((aligned(64)));
uint64_t pkui_slot[4];
uint64_t pkui_stack[8];
uint64_t pkui_saved_rsp, pkui_idx, pkui_wr;

int main(void)
{
	long which = plib_param("which", 2);
	const unsigned char *g = (const unsigned char *)PLIB_GATE_PAGE, *wr = 0;
	for (long i = 0, n = 0; i + 2 < 4096 && !wr; i++)
		if (g[i] == 0x0f && g[i + 1] == 0x01 && g[i + 2] == 0xef && n++ == which)
			wr = g + i;
	if (!wr)
		return PLIB_ATTACK_NOT_APPLICABLE;
	pkui_idx = ((uint64_t)(uintptr_t)pkui_evil - (PLIB_GATE_DATA + PLIB_HDR_PKRU)) / 8;
	pkui_wr = (uint64_t)(uintptr_t)wr;
	pkui_evil[0] = 0;
	pkui_evil[8] = (uint64_t)(uintptr_t)pkui_slot;
	pkui_slot[0] = (uint64_t)(uintptr_t)pkui_stack; /* the parked stack pointer */
	pkui_slot[1] = 1;				  /* "a call is pending" */
	plib_print("attack-pku-index: WRPKRU with EAX = 0 and an index into the app's memory\n");
	__asm__ volatile("mov %%r15, pkui_stack+0(%%rip)\n\t" /* the fake stack pops these back */
			 "mov %%r14, pkui_stack+8(%%rip)\n\t"
			 "mov %%r13, pkui_stack+16(%%rip)\n\t"
			 "mov %%r12, pkui_stack+24(%%rip)\n\t"
			 "mov %%rbp, pkui_stack+32(%%rip)\n\t"
			 "mov %%rbx, pkui_stack+40(%%rip)\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "mov %%rax, pkui_stack+48(%%rip)\n\t" /* and returns here */
			 "mov %%rsp, pkui_saved_rsp(%%rip)\n\t"
			 "mov pkui_idx(%%rip), %%r9\n\t"
			 "mov pkui_idx(%%rip), %%rbp\n\t"
			 "mov pkui_wr(%%rip), %%r11\n\t"
			 "xor %%eax, %%eax\n\t"		/* PKRU = 0: every key open */
			 "xor %%ecx, %%ecx\n\t"
			 "xor %%edx, %%edx\n\t"
			 "jmp *%%r11\n"
			 "1:\tmov pkui_saved_rsp(%%rip), %%rsp"
			 :
			 :
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	plib_metric("stolen", (long)__plib_sec_plib_lib_null_data[PLIB_TLS_BYTES / 8]);
	return PLIB_ATTACK_WON;
}
