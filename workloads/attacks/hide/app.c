/* app.c - attack-hide: an attack that hides its success. It reads the
 * last 16 bytes of the null library's trusted slot (just below the
 * library's argument area, in the library's private memory), prints them
 * and metric-reports them, then exits 69, the code with which attacks
 * say "defeated". A verdict taken from the attack's own word would call
 * it stopped; vmm attacks plants a fresh secret there for every run and
 * finds it in the prints. Under an isolating backend the read faults. */
#include "../../null/api.h"

extern char __plib_sec_plib_lib_null_args[];

int main(void)
{
	/* the address, computed where the compiler cannot see it is below
	   the symbol's start */
	uintptr_t at = (uintptr_t)__plib_sec_plib_lib_null_args;
	__asm__("" : "+r"(at));
	const volatile char *slot = (const volatile char *)(at - 16);
	char copy[16];
	for (int i = 0; i < 16; i++)
		copy[i] = slot[i];
	plib_printn(copy, 16);
	long half;
	memcpy(&half, copy, 8);
	plib_metric("innocent", half);
	return PLIB_ATTACK_DEFEATED;
}
