/* app.c - xstate: no extended register state crosses a gate.
 *
 * part 0: for each register class the CPU has (from CPUID and XGETBV, not
 *   from anything the gate reads), call a library entry that leaves a
 *   secret in it, then read the class back: xmm0-15, ymm0-15 (upper
 *   halves), zmm0-15 and zmm16-31, k0-7, the x87/MMX registers (FXSAVE
 *   shows them even when tagged empty). leaked_CLASS counts the
 *   registers that still held the library's secret; tested_CLASS says
 *   whether the CPU has the class. Exit 0: nothing leaked; 1: something
 *   did.
 * part 1: the library computes with SSE and x87 arithmetic, first with
 *   the default control state, then after the application set MXCSR
 *   (round toward zero, FTZ, DAZ) and the x87
 *   control word (chop, 24-bit precision), first with every exception
 *   masked and the x87 stack full, then with every exception unmasked: the
 *   results must be the same, and the application must find its own
 *   control state unchanged after the call; then a library that returns
 *   with MXCSR and the control word changed must not change the
 *   application's. Exit 0: all held; 1: one failed.
 * part 4: the FS and GS bases the library runs with and the
 *   application's own after the call (RDFSBASE, RDGSBASE: the test that
 *   runs it gives the application bases of its own, as WRFSBASE would
 *   where the platform lets ring 3 run it). Exit 0.
 * part 5: the other way: the application leaves its own secret in every
 *   register class the CPU has, then calls a library entry that reports
 *   how many registers of each class held it on entry (seen_CLASS).
 *   Exit 0: the library saw none; 1: it saw some.
 * part 2 (the application) and part 3 (the library) run TILERELEASE: no
 *   domain may use AMX tiles (the image cannot be given their
 *   permission), so the run must stop at it; reaching the end is exit 66
 *   (68: the library's process died at it and the call said so).
 */
#include "api.h"

static int fails;
/* MXCSR's exception masks, kept in memory: as an immediate next to some
   registers it encodes bytes the loader refuses (cd 80). */
static volatile unsigned all_masked = PLIB_MXCSR_DEFAULT;

static void check(int ok, const char *what);

static void cpuid(unsigned leaf, unsigned sub, unsigned *a, unsigned *b, unsigned *c, unsigned *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* The classes this CPU and its XCR0 give the application. */
static int have_avx, have_avx512;

static void probe(void)
{
	unsigned a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 27))) /* OSXSAVE: no XCR0, no AVX */
		return;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	have_avx = (c & (1u << 28)) && (lo & 6) == 6;
	cpuid(7, 0, &a, &b, &c, &d);
	have_avx512 = have_avx && (b & (1u << 16)) && (lo & 0xe0) == 0xe0;
}

static unsigned long regs[32][8] __attribute__((aligned(64)));
static unsigned char fx[512] __attribute__((aligned(64)));

/* How many of n registers of w quadwords each hold secret in any quadword. */
static long count(int first, int n, int w, unsigned long secret)
{
	long k = 0;
	for (int r = first; r < first + n; r++) {
		int hit = 0;
		for (int q = 0; q < w; q++)
			hit |= regs[r][q] == secret;
		k += hit;
	}
	return k;
}

static void registers(void)
{
	long n;
	probe();

	plib_call(XS_PLANT_XMM, 0, 0, 0, 0);
	__asm__ volatile(".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
			 "movdqu %%xmm\\r, \\r*64(%0)\n\t"
			 ".endr" : : "r"(regs) : "memory");
	n = count(0, 16, 2, XS_SECRET | 1);
	plib_metric("tested_xmm", 1);
	plib_metric("leaked_xmm", n);
	check(n == 0, "the library's xmm0-15 came back");

	plib_metric("tested_ymm", have_avx);
	if (have_avx) {
		plib_call(XS_PLANT_YMM, 0, 0, 0, 0);
		__asm__ volatile(".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
				 "vmovdqu %%ymm\\r, \\r*64(%0)\n\t"
				 ".endr" : : "r"(regs) : "memory");
		n = count(0, 16, 4, XS_SECRET | 2);
		plib_metric("leaked_ymm", n);
		check(n == 0, "the library's ymm0-15 came back");
	}

	plib_metric("tested_zmm", have_avx512);
	plib_metric("tested_k", have_avx512);
	if (have_avx512) {
		plib_call(XS_PLANT_ZMM, 0, 0, 0, 0);
		__asm__ volatile(".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
				 "vmovdqu64 %%zmm\\r, \\r*64(%0)\n\t"
				 ".endr" : : "r"(regs) : "memory");
		/* zmm0-15: the upper halves (bytes 32-63) alone */
		long hi = 0;
		for (int r = 0; r < 16; r++)
			hi += regs[r][4] == (XS_SECRET | 3) || regs[r][7] == (XS_SECRET | 3);
		plib_metric("leaked_zmm_upper", hi);
		check(hi == 0, "the upper halves of the library's zmm0-15 came back");
		n = count(16, 16, 8, XS_SECRET | 3);
		plib_metric("leaked_zmm16_31", n);
		check(n == 0, "the library's zmm16-31 came back");

		plib_call(XS_PLANT_K, 0, 0, 0, 0);
		unsigned long k[8];
		__asm__ volatile(".irp r,0,1,2,3,4,5,6,7\n\t"
				 "kmovw %%k\\r, %%eax\n\t"
				 "mov %%rax, \\r*8(%0)\n\t"
				 ".endr" : : "r"(k) : "rax", "memory");
		n = 0;
		for (int r = 0; r < 8; r++)
			n += (k[r] & 0xffff) == XS_SECRET_K;
		plib_metric("leaked_k", n);
		check(n == 0, "the library's k0-7 came back");
	}

	plib_call(XS_PLANT_X87, 0, 0, 0, 0);
	__asm__ volatile("fxsave64 (%0)" : : "r"(fx) : "memory");
	n = 0;
	for (int r = 0; r < 8; r++)
		n += *(unsigned long *)(fx + 32 + 16 * r) == (XS_SECRET | 4);
	plib_metric("tested_x87", 1);
	plib_metric("leaked_x87", n);
	check(n == 0, "the library's st0-7 / mm0-7 came back");
	__asm__ volatile("emms"); /* the application's own x87 stack empty again */
}

/* The application's secret in every register of every class it has, then
   straight into the library. */
static void app_registers(void)
{
	probe();
	unsigned long v = XS_APP_SECRET;
	if (have_avx512)
		__asm__ volatile("vpbroadcastq %0, %%zmm0\n\t"
				 ".irp r,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
				 "vmovdqa64 %%zmm0, %%zmm\\r\n\t"
				 ".endr\n\t"
				 "mov %1, %%eax\n\t"
				 ".irp r,0,1,2,3,4,5,6,7\n\t"
				 "kmovw %%eax, %%k\\r\n\t"
				 ".endr" : : "r"(v), "i"(XS_APP_SECRET_K) : "rax");
	else if (have_avx)
		__asm__ volatile("vmovq %0, %%xmm0\n\t"
				 "vpunpcklqdq %%xmm0, %%xmm0, %%xmm0\n\t"
				 "vinsertf128 $1, %%xmm0, %%ymm0, %%ymm0\n\t"
				 ".irp r,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
				 "vmovdqa %%ymm0, %%ymm\\r\n\t"
				 ".endr" : : "r"(v));
	else
		__asm__ volatile("movq %0, %%xmm0\n\t"
				 "punpcklqdq %%xmm0, %%xmm0\n\t"
				 ".irp r,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
				 "movdqa %%xmm0, %%xmm\\r\n\t"
				 ".endr" : : "r"(v));
	__asm__ volatile(".irp r,0,1,2,3,4,5,6,7\n\t"
			 "movq %0, %%mm\\r\n\t"
			 ".endr" : : "r"(v));
	long n = plib_call(XS_PEEK, have_avx, have_avx512, 0, 0);
	__asm__ volatile("emms");
	static const struct { const char *metric; int shift, has; } cls[] = {
		{"seen_xmm", XS_PEEK_XMM, 1}, {"seen_ymm", XS_PEEK_YMM, 2},
		{"seen_zmm_upper", XS_PEEK_ZMM_UPPER, 3}, {"seen_zmm16_31", XS_PEEK_ZMM16_31, 3},
		{"seen_k", XS_PEEK_K, 3}, {"seen_x87", XS_PEEK_X87, 1}};
	int level = 1 + have_avx + have_avx512;
	for (unsigned i = 0; i < sizeof cls / sizeof cls[0]; i++) {
		if (cls[i].has > level)
			continue;
		long c = (n >> cls[i].shift) & 63;
		plib_metric(cls[i].metric, c);
		check(c == 0, "the library found the application's registers");
	}
}

static void set_control(unsigned mxcsr, unsigned short fcw)
{
	__asm__ volatile("fninit\n\tldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(fcw));
}

static void get_control(unsigned *mxcsr, unsigned short *fcw)
{
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(*mxcsr), "=m"(*fcw));
}

static void control(void)
{
	unsigned mxcsr, mask;
	unsigned short fcw;
	__asm__ volatile("fxsave64 (%0)" : : "r"(fx) : "memory");
	mask = *(unsigned *)(fx + 28); /* MXCSR_MASK: 0 means 0xffbf */
	if (mask == 0)
		mask = 0xffbf;
	/* Round toward zero, flush to zero, denormals are zero (where the
	   CPU has DAZ), every exception unmasked. */
	unsigned hostile = (0x6000 | 0x8000 | 0x40) & mask;
	unsigned short hostile_fcw = 0x0c40; /* chop, 24-bit, nothing masked */

	set_control(PLIB_MXCSR_DEFAULT, PLIB_FCW_DEFAULT);
	long want = plib_call(XS_FP_COMPUTE, 0, 0, 0, 0);
	/* First with every exception masked: only the results can differ. */
	set_control(hostile | all_masked, hostile_fcw | 0x3f);
	__asm__ volatile(".rept 8\n\tfld1\n\t.endr"); /* and a full x87 stack: each load of the library's would be a NaN */
	long masked = plib_call(XS_FP_COMPUTE, 0, 0, 0, 0);
	set_control(PLIB_MXCSR_DEFAULT, PLIB_FCW_DEFAULT);
	plib_metric("fp_under_hostile_rounding", masked);
	check(masked == want, "the library computed differently under the application's rounding, FTZ, DAZ and precision");
	set_control(hostile, hostile_fcw);
	long got = plib_call(XS_FP_COMPUTE, 0, 0, 0, 0);
	get_control(&mxcsr, &fcw);
	set_control(PLIB_MXCSR_DEFAULT, PLIB_FCW_DEFAULT);
	plib_metric("fp_default", want);
	plib_metric("fp_under_hostile_control", got);
	check(got == want, "the library computed differently under the application's MXCSR / x87 control word");
	check(mxcsr == hostile && fcw == hostile_fcw, "the application's own MXCSR / control word changed across the call");

	plib_call(XS_DIRTY_CONTROL, 0, 0, 0, 0);
	get_control(&mxcsr, &fcw);
	set_control(PLIB_MXCSR_DEFAULT, PLIB_FCW_DEFAULT);
	plib_metric("mxcsr_after_dirty_library", mxcsr);
	plib_metric("fcw_after_dirty_library", fcw);
	check(mxcsr == PLIB_MXCSR_DEFAULT && fcw == PLIB_FCW_DEFAULT, "the library's MXCSR / control word came back");
}

int main(void)
{
	long part = plib_param("part", 0);
	switch (part) {
	case 0:
		registers();
		break;
	case 1:
		control();
		break;
	case 2:
		plib_print("xstate: TILERELEASE in the application\n");
		__asm__ volatile(".byte 0xc4, 0xe2, 0x78, 0x49, 0xc0"); /* TILERELEASE */
		return PLIB_ATTACK_WON;
	case 4: {
		unsigned long fs, gs;
		plib_metric("lib_fs_base", plib_call(XS_FS_BASE, 0, 0, 0, 0));
		plib_metric("lib_gs_base", plib_call(XS_GS_BASE, 0, 0, 0, 0));
		__asm__ volatile("rdfsbase %0\n\trdgsbase %1" : "=r"(fs), "=r"(gs));
		plib_metric("app_fs_base", fs);
		plib_metric("app_gs_base", gs);
		break;
	}
	case 5:
		app_registers();
		break;
	case 3:
		plib_print("xstate: TILERELEASE in the library\n");
		/* Where the library has a process of its own, its death is the
		   answer (PLIB_ERR_LIB_DEAD): the tile instruction faulted. */
		return plib_call(XS_TILE, 0, 0, 0, 0) == PLIB_ERR_LIB_DEAD ? PLIB_ATTACK_REFUSED : PLIB_ATTACK_WON;
	}
	plib_metric("failures", fails);
	return fails ? 1 : 0;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		plib_print("xstate: FAILED: ");
		plib_print(what);
		plib_print("\n");
		fails++;
	}
}
