/* split.h - the split-instruction attacks. The image is linked with every
 * domain's code adjacent (layout code-first): the application's code ends
 * exactly at a page boundary with the first bytes of a forbidden
 * instruction, and the library's code (the null library, behind a head
 * that supplies the rest) begins at that boundary. Scanned one section at
 * a time, neither section holds the instruction; the CPU fetches it
 * whole. The app calls the split instruction's address: if the loader let
 * the image run, the instruction would execute and the library's head
 * returns to the app (under pku, WRPKRU with EAX = 0 opens every key and
 * the app reads the secret). Exit 66: it ran and the secret was read. */
#include "../null/api.h"

extern volatile uint64_t __plib_sec_plib_lib_null_data[];
void split_at(void); /* the split instruction's first byte, in .plib.tail */

/* The tail of the application's code: page-aligned, one page long, the
 * instruction's first bytes in its last bytes. */
#define SPLIT_TAIL(first_bytes, n)                                          \
	__asm__(".section .plib.tail, \"ax\"\n"                             \
		".balign 4096\n"                                            \
		".fill 4096 - " #n ", 1, 0xcc\n"                            \
		"split_at:\n"                                               \
		".byte " first_bytes "\n"                                   \
		".text\n")

/* Calls the split instruction with rax, rcx and rdx = 0 as given. */
static int split_main(const char *what, long rax, long rcx)
{
	plib_print(what);
	__asm__ volatile("xor %%edx, %%edx\n\t" /* WRPKRU needs edx = 0 */
			 "call split_at"
			 : "+a"(rax), "+c"(rcx)
			 :
			 : "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
	uint64_t v = __plib_sec_plib_lib_null_data[PLIB_TLS_BYTES / 8];
	plib_metric("stolen", (long)v);
	plib_print("the split instruction ran and the secret was read: no isolation\n");
	return PLIB_ATTACK_WON;
}
