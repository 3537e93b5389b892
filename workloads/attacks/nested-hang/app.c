/* attack-nested-hang: the application calls library outer, which calls
 * library inner with crafted input that keeps it busy for `seconds` (10 by
 * default). The call budget must reach the library-to-library call too:
 * the run is stopped at the budget with a library blamed, whoever timed
 * the call before. Exit 66 (not stopped): the call came back. */
#include "api.h"

int main(void)
{
	long cycles = plib_param("seconds", 10) * plib_param("tsc_mhz", 2000) * 1000000;
	plib_print("attack-nested-hang: app -> outer -> inner, which runs for seconds\n");
	long r = plib_call(OUTER_VIA, cycles, 0, 0, 0);
	plib_metric("returned", r);
	return PLIB_ATTACK_WON;
}
