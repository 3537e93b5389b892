/* app.c - attack-fpstate: the application unmasks every SSE and x87
 * exception and changes their rounding (MXCSR, the x87 control word),
 * then makes platform and library calls. Where trusted code runs on the
 * application's thread (the host backends' Go code) it would inherit
 * them: a floating-point exception crashes it, and a rounding mode
 * silently changes its arithmetic. Exit 71: every call answered and the
 * platform ran with its own floating-point control (the attack got
 * nothing). If the platform crashes, vmm says so and the suite fails. */
#include "../../null/api.h"

static char big[1 << 20]; /* a large image: the platform's memory work grows with it */

int main(void)
{
	unsigned int mxcsr = 0x6000;	/* round toward zero, no exception masked */
	unsigned short fcw = 0x0c40;	/* x87: the same, 24-bit precision */
	plib_print("attack-fpstate: ldmxcsr + fldcw, then platform and library calls\n");
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr), "m"(fcw));
	long bad = 0, n = plib_param("calls", 2000);
	for (long i = 0; i < n; i++) {
		plib_metric("i", i); /* Go formats and keeps it (allocating: its GC pacing uses floating point) */
		memset(big, (int)i, sizeof big);
		bad += plib_call(NULL_ADD, i, 1, 0, 0) != i + 1;
	}
	plib_metric("wrong_answers", bad);
	return bad ? 1 : 71;
}
