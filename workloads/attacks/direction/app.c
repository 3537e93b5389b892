/* app.c - attack-direction: the application sets RFLAGS.DF (std) and
 * makes an ordinary call. If the gate let DF through, the library's
 * memcpy (rep movsb) would run backwards: reading downwards from the
 * public record into the secret stored below it, and writing downwards
 * from the offset the app chose, so the secret lands in the argument
 * area.
 * Exit 70: the gate set DF = 0 and the copy ran forwards (the attack got
 * nothing); 66: the secret's bytes reached the argument area (leak). */
#include "plib.h"

#define VAULT_READ PLIB_ENTRY(1, 0)
#define LEN 64

/* The call with DF set. The gate is entered exactly as plib_call enters
 * it, and cld runs only after it returns (the ABI wants DF = 0 here). */
static long call_with_df(long entry, long a0, long a1)
{
	register long rdi __asm__("rdi") = entry;
	register long rsi __asm__("rsi") = a0;
	register long rdx __asm__("rdx") = a1;
	register long rcx __asm__("rcx") = 0;
	register long r8 __asm__("r8") = 0;
	register long rax __asm__("rax") = PLIB_GATE_PAGE + PLIB_GATE_CALL_OFF;
	__asm__ volatile("std\n\t"
			 "call *%%rax\n\t"
			 "cld"
			 : "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(rcx), "+r"(r8), "+r"(rax)
			 :
			 : "r9", "r10", "r11", "memory", "cc");
	return rax;
}

int main(void)
{
	char *args = plib_args(1);
	long off = 4 * LEN; /* backwards writes land in [off - LEN + 1, off] */
	memset(args, 0, 8 * LEN);
	plib_print("attack-direction: std, then an ordinary call to the vault\n");
	long r = call_with_df(VAULT_READ, off, LEN);
	/* A forward copy puts "vault-public:..." at args[off]. A backward one
	   copies args[off - j] = public[-j] for j < LEN: the secret, which
	   lies below the public record, lands below args[off]. */
	int leaked = 0;
	for (long i = 0; i + 16 <= 8 * LEN; i++)
		leaked |= memcmp(args + i, "0123456789abcdef", 16) == 0;
	plib_metric("result", r);
	if (leaked) {
		plib_print("attack-direction: the secret reached the argument area: leak\n");
		return PLIB_ATTACK_WON;
	}
	if (r == LEN && memcmp(args + off, "vault-public:", 13) == 0)
		return 70; /* the copy ran forwards: DF was cleared by the gate */
	plib_print("attack-direction: unexpected answer\n");
	return 1;
}
