/* app.c - attack-gate-syscall: borrow one of the gate's own SYSCALLs.
 * The filter admits system calls only from the gate's SYSCALL sites, so
 * the app jumps onto one (--param site=N: the Nth 0F 05 in the gate
 * pages) with a call of its choosing (--param what=0: mprotect its own
 * code to writable and executable; what=1: mprotect the null library's
 * private memory open for reading and writing, exactly as the mprotect
 * gate does), having set the platform page to DONE so that the platform
 * routine returns at once. Each site admits only its own call, and the
 * mprotect gate re-checks its arguments after each of its own, so every
 * try ends the run. If control came back with the library open, the app reads its
 * secret: exit 66. Under vmfunc the gate holds no SYSCALL: exit 67. */
#include "../../null/api.h"

#define SYS_MPROTECT 10

extern char __plib_sec_plib_app_text[];
extern volatile uint64_t __plib_sec_plib_lib_null_data[];

int main(void)
{
	long site = plib_param("site", 0), what = plib_param("what", 0);
	const unsigned char *g = (const unsigned char *)PLIB_GATE_PAGE, *sys = 0;
	for (long i = 0, n = 0; i + 1 < 3 * 4096 && !sys; i++)
		if (g[i] == 0x0f && g[i + 1] == 0x05 && n++ == site)
			sys = g + i;
	if (!sys)
		return PLIB_ATTACK_NOT_APPLICABLE;
	long addr = (long)__plib_sec_plib_app_text, len = 4096, prot = 7;
	if (what == 1) {
		addr = (long)plib_header(PLIB_HDR_PRIVBASE + 8 * NULL_LIB);
		len = (long)plib_header(PLIB_HDR_PRIVSIZE + 8 * NULL_LIB);
		prot = 3;
	}
	plib_print("attack-gate-syscall: mprotect from one of the gate's SYSCALLs\n");
	/* The platform routine returns at once when its page says DONE, and
	   the page is the app's to write. */
	*(volatile uint32_t *)(PLIB_HOST_PLATFORM + PLIB_PLAT_STATE) = PLIB_PLAT_DONE;
	long ret;
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "push %%r11\n\t"		/* somewhere to come back to, if it does */
			 "jmp *%[sys]\n"
			 "1:"
			 : "=a"(ret)
			 : "a"(SYS_MPROTECT), "D"(addr), "S"(len), "d"(prot), [sys] "r"(sys)
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	plib_metric("mprotect_result", ret);
	plib_metric("stolen", (long)__plib_sec_plib_lib_null_data[PLIB_TLS_BYTES / 8]);
	return PLIB_ATTACK_WON;
}
