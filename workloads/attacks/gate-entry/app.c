/* attack-gate-entry: calls the gate with an entry index the library does
 * not export (param "entry", default 1*32+31). The gate refuses it. */
#include "../../null/api.h"

int main(void)
{
	long entry = plib_param("entry", PLIB_ENTRY(NULL_LIB, 31));
	plib_print("attack-gate-entry: calling an entry that is not exported\n");
	long r = plib_call(entry, 0, 0, 0, 0);
	plib_metric("returned", r);
	plib_print("attack-gate-entry: the gate accepted it\n");
	return PLIB_ATTACK_WON;
}
