/* gate_jump.h - shared by the attacks that jump into the middle of the
 * gate: find the gate's first VMFUNC (the app knows the layout; the gate
 * page is readable) and jump to it with registers of the attack's choice. */
#ifndef GATE_JUMP_H
#define GATE_JUMP_H
#include "../null/api.h"

/* Address of the first VMFUNC in the gate's first page, or 0 if there is
 * none. The vmfunc gate's VMFUNC starts in the page's last two bytes and
 * ends in the next page, which the app's view does not map, so those two
 * bytes are all the attacker can (and needs to) see. */
static inline const unsigned char *find_vmfunc(void)
{
	const unsigned char *g = (const unsigned char *)PLIB_GATE_PAGE;
	for (int i = 0; i + 2 < 4096; i++)
		if (g[i] == 0x0f && g[i + 1] == 0x01 && g[i + 2] == 0xd4)
			return g + i;
	if (g[4094] == 0x0f && g[4095] == 0x01)
		return g + 4094;
	return 0;
}

/* Jumps to `at` with eax = 0, ecx = view and rdi = entry; never returns
 * normally (the gate's code after the VMFUNC decides what happens). */
static inline void jump_into_gate(const unsigned char *at, long view, long entry)
{
	__asm__ volatile("xor %%eax, %%eax\n\t"
			 "jmp *%0"
			 :
			 : "r"(at), "c"(view), "D"(entry)
			 : "rax", "memory");
}
/* The whole attack: jump into the gate's VMFUNC with ECX = view and an
 * entry index; exit 66 if control ever comes back, 67 if this backend's
 * gate has no VMFUNC. */
static inline int gate_attack(const char *what, long view, long entry)
{
	const unsigned char *v = find_vmfunc();
	if (!v) {
		plib_print("no VMFUNC in this backend's gate\n");
		return PLIB_ATTACK_NOT_APPLICABLE;
	}
	plib_print(what);
	jump_into_gate(v, view, entry);
	return PLIB_ATTACK_WON;
}
#endif
