/* app.c - attack-loader-jump: jump into the host loader's code, which
 * stays mapped in the image's process after it starts the image (in the
 * host backends its ELF header is at 0x400000, its entry point in the
 * header). Running the loader again would re-map memory and re-key pages
 * if its system calls still worked; the seccomp filter admits none that
 * do not come from the gate pages, so its first one ends the run. Exit 66:
 * the loader's code ran to completion; under vmfunc nothing is mapped
 * there and the read faults. */
#include "plib.h"

int main(void)
{
	plib_print("attack-loader-jump: entering the loader again\n");
	uint64_t entry = *(volatile uint64_t *)0x400018; /* e_entry */
	__asm__ volatile("jmp *%0" : : "r"(entry) : "memory");
	return PLIB_ATTACK_WON;
}
