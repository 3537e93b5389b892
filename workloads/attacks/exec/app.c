/* attack-exec: the application calls straight into the null library's
 * code instead of through the gate: its first function, which returns a
 * digest of the library's secret. Page-based isolation stops the fetch;
 * protection keys let the code run but stop its read of the secret. */
#include "../../null/api.h"

extern char __plib_sec_plib_lib_null_text[];

int main(void)
{
	plib_print("attack-exec: calling into the library's code directly\n");
	long (*fn)(long, long, long, long) = (void *)__plib_sec_plib_lib_null_text;
	long r = fn(1, 2, 3, 4);
	plib_metric("returned", r);
	plib_print("attack-exec: library code ran in the app's domain: no isolation\n");
	return PLIB_ATTACK_WON;
}
