/* attack-hang: crafted input makes a library call run (practically)
 * forever: spin over 2^62 reads. The call budget must abort it and name
 * the library and entry point; without one, only the run's timeout
 * would. */
#include "../../null/api.h"

int main(void)
{
	plib_print("attack-hang: calling null.spin with 2^62 iterations\n");
	long r = plib_call(NULL_SPIN, 1L << 62, 0, 0, 0);
	plib_metric("returned", r);
	return PLIB_ATTACK_WON;
}
