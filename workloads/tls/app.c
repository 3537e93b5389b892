/* app.c - the tls workload: the application checks its own thread
 * pointer and canary, spoils its FS as part asks (a selector load; the
 * other ways to change a thread pointer, WRFSBASE and arch_prctl, are
 * refused before they run: the image scan and the seccomp filter), then
 * calls the library, which must see its own TLS each time, and checks
 * what it has back. Part 3 reads the library's block itself, which every
 * isolating backend must stop; part 4 has the library overrun a stack
 * buffer, which its stack protector must catch. Prints one line per failed check; exits 0
 * if none failed. */
#include "api.h"

static uint64_t fs_read(long off)
{
	uint64_t v;
	__asm__ volatile("mov %%fs:(%1), %0" : "=r"(v) : "r"(off));
	return v;
}

static uint64_t fs_base(void)
{
	uint64_t b;
	__asm__ volatile("rdfsbase %0" : "=r"(b));
	return b;
}

int main(void)
{
	long part = plib_param("part", 0);
	int bad = 0;
	uint64_t own = (uint64_t)plib_tls, canary = fs_read(PLIB_TLS_CANARY);
	if (fs_base() != own || fs_read(PLIB_TLS_SELF) != own || canary == 0) {
		plib_print("tls: the application does not start on its own TLS block\n");
		bad++;
	}
	uint16_t sel = 0;
	if (part == 2)
		__asm__ volatile("mov %%ss, %0" : "=r"(sel));
	if (part == 1 || part == 2)
		__asm__ volatile("mov %0, %%fs" : : "r"(sel)); /* a valid selector: its descriptor's base replaces ours */
	uint64_t spoilt = fs_base();
	for (long i = 1; i <= 3; i++)
		if (plib_call(TLS_CHECK, i, 0, 0, 0) != i - 1) {
			plib_printf("tls: call %ld: the library did not run on its own TLS\n", i);
			bad++;
		}
	uint64_t lib = plib_call(TLS_SELF, 0, 0, 0, 0), lib_canary = plib_call(TLS_CANARY, 0, 0, 0, 0);
	plib_metric("lib_tls", lib);
	plib_metric("app_tls", own);
	plib_metric("app_fs_after", fs_base());
	if (lib == own || lib_canary == canary) {
		plib_print("tls: the library shares the application's TLS block or canary\n");
		bad++;
	}
	/* After each call the application runs on its own block again, or
	   (where a switch keeps each domain's FS as it left it) on the base it
	   chose itself: never the library's. */
	if (fs_base() != own && fs_base() != spoilt) {
		plib_print("tls: the application's thread pointer was not given back\n");
		bad++;
	}
	if (fs_base() == own && (fs_read(PLIB_TLS_SELF) != own || fs_read(PLIB_TLS_CANARY) != canary)) {
		plib_print("tls: the application's own TLS changed\n");
		bad++;
	}
	if (part == 4) {
		plib_call(TLS_SMASH, 16, 0, 0, 0); /* in bounds: returns */
		if (plib_call(TLS_SMASH, 64, 0, 0, 0) == PLIB_ERR_LIB_DEAD) { /* over the canary: the library stops */
			plib_print("tls: the library was stopped\n"); /* process: its own process ended, the app goes on */
			return 0;
		}
		plib_print("tls: the library returned from a smashed stack\n");
		return 66;
	}
	if (part == 3) {
		plib_metric("lib_canary_read", *(volatile uint64_t *)(lib + PLIB_TLS_CANARY));
		plib_print("tls: the application read the library's TLS block\n");
		return 66;
	}
	return bad;
}
