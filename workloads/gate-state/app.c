/* app.c - gate-state: what crosses a gate in RFLAGS and the stack.
 * The application enters the gate with DF, AC and every status flag set
 * and its stack misaligned, and checks that the library starts with the
 * flags the ABI promises (DF = AC = TF = 0) on an aligned stack; then it
 * checks that the flags it gets back do not depend on what the library
 * left in them. Exit 0: every check held; 1: one failed (it is printed). */
#include "plib.h"

#define LIB 1
#define ENTRY_FLAGS PLIB_ENTRY(LIB, 0)
#define ENTRY_STACK PLIB_ENTRY(LIB, 1)
#define DIRTY_FLAGS PLIB_ENTRY(LIB, 2)

#define CF 0x1UL
#define PF 0x4UL
#define AF 0x10UL
#define ZF 0x40UL
#define SF 0x80UL
#define TF 0x100UL
#define DF 0x400UL
#define OF 0x800UL
#define AC 0x40000UL
#define STATUS (CF | PF | AF | ZF | SF | OF)

/* Enters the gate routine at gate_off with rdi, rsi, rdx, RFLAGS |= set
 * and rsp lowered by skew bytes; returns the result, and in *after the
 * RFLAGS the gate returned with. */
static long enter_with(long gate_off, long a, long b, long c, unsigned long set, long skew,
		       unsigned long *after)
{
	register long rdi __asm__("rdi") = a;
	register long rsi __asm__("rsi") = b;
	register long rdx __asm__("rdx") = c;
	register long rcx __asm__("rcx") = 0;
	register long r8 __asm__("r8") = 0;
	register long rax __asm__("rax") = PLIB_GATE_PAGE + gate_off;
	register unsigned long r9 __asm__("r9") = set;
	register long r10 __asm__("r10") = skew;
	unsigned long flags;
	__asm__ volatile("push %%rbx\n\t"
			 "mov %%rsp, %%rbx\n\t"		/* the real stack, restored below */
			 "sub %%r10, %%rsp\n\t"
			 "pushfq\n\t"
			 "or %%r9, (%%rsp)\n\t"
			 "popfq\n\t"			/* DF, AC and the status flags on */
			 "call *%%rax\n\t"
			 "pushfq\n\t"
			 "pop %%r9\n\t"			/* what the gate gave back */
			 "push $2\n\t"
			 "popfq\n\t"			/* the app's own flags clean again */
			 "mov %%rbx, %%rsp\n\t"
			 "pop %%rbx"
			 : "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(rcx), "+r"(r8), "+r"(rax),
			   "+r"(r9), "+r"(r10)
			 :
			 : "r11", "memory", "cc");
	flags = r9;
	*after = flags;
	return rax;
}

static long call_with(long entry, unsigned long set, long skew, unsigned long *after)
{
	return enter_with(PLIB_GATE_CALL_OFF, entry, 0, 0, set, skew, after);
}

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		plib_print("gate-state: FAILED: ");
		plib_print(what);
		plib_print("\n");
		failures++;
	}
}

int main(void)
{
	unsigned long after, canonical = 0;
	for (long skew = 0; skew < 16; skew += 1) {
		/* AC is set only where the app's own code stays aligned. */
		unsigned long set = DF | STATUS | (skew % 8 == 0 ? AC : 0);
		long f = call_with(ENTRY_FLAGS, set, skew, &after);
		check((f & DF) == 0, "the library was entered with DF set");
		check((f & AC) == 0, "the library was entered with AC set");
		check((f & TF) == 0, "the library was entered with TF set");
		check((f & STATUS) == 0, "the library was entered with the caller's status flags");
		long s = call_with(ENTRY_STACK, set, skew, &after);
		check(s == 0, "the library was entered on a misaligned stack");
		call_with(DIRTY_FLAGS, 0, skew, &after);
		check((after & (DF | AC | TF)) == 0, "the gate returned with DF, AC or TF set");
		unsigned long got = after & STATUS;
		if (skew == 0)
			canonical = got;
		check(got == canonical, "the returned status flags varied between calls");
		check((got & (CF | AF | SF | OF)) == 0, "the library's status flags came back to the app");
	}
	/* A platform call with DF and AC set: the platform's own code (Go in
	   the host backends) must not run with them (a backward copy, an
	   alignment fault), and the print must arrive whole. */
	static char msg[] = "gate-state: a platform call made with DF and AC set\n";
	long n = enter_with(PLIB_GATE_SYS_OFF, PLIB_SYS_PRINT, (long)msg, sizeof msg - 1, DF | AC, 0, &after);
	check(n == 0, "a platform call made with DF and AC set failed");
	plib_metric("entry_flags_checked", 16);
	plib_metric("failures", failures);
	return failures ? 1 : 0;
}
