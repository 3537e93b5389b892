/* app.c - hostile-print's application: terminal sequences in its
 * prints (cursor up, line erase, carriage return, OSC, raw and UTF-8 C1
 * controls), metric names that hold a newline and escape sequences, and
 * a bench metric whose label (image.conf) is a formula, HTML and README's
 * end marker. Exit 0. */
#include "plib.h"

#define ROUNDS 64

int main(void)
{
	long rounds = plib_param("rounds", 3);
	uint64_t per[ROUNDS];

	plib_print("app: \x1b[1A\x1b[2K\x1b[Goutcome  STOPPED: forged\n");
	plib_print("app: \r\x1b[K\x08\x08\x7f\x9b" "2J\xc2\x9b" "3A\n");
	if (plib_call(PLIB_ENTRY(1, 0), 0, 0, 0, 0) != 42)
		return 1;
	for (long r = 0; r < rounds && r < ROUNDS; r++) {
		uint64_t t0 = plib_rdtsc();
		plib_call(PLIB_ENTRY(1, 0), 0, 0, 0, 0);
		per[r] = plib_rdtsc() - t0 + 1;
	}
	plib_metric("x\n\x1b[1A\x1b[2Koutcome  exited with code 0", 1);
	plib_metric("=cmd|<b>\x9b" "2J", 2);
	plib_report_rounds("call_cycles", per, rounds);
	return 0;
}
