/* attack-lock-cycle (PLIB_APPS(2)): both instances call bank's transfer
 * at once in opposite orders (0 -> 1 and 1 -> 0), so each call holds one
 * lock and waits on the other's: a deadlock inside the library, the
 * application's only input being the order (mode 1: no lock at all,
 * each call loops forever asking plib_app_alive about the other). Some call must be stopped
 * past the call budget and bank blamed. Exit 66 (won): both transfers
 * came back, i.e. nothing stopped... which cannot happen; the attack wins
 * when the run reaches --timeout with no budget verdict. */
#include "api.h"

PLIB_APPS(2);

int main(void)
{
	if (plib_apps() != 2)
		return 2;
	long me = plib_app_id();
	plib_call(BANK_ARRIVE, 0, 0, 0, 0);
	while (plib_call(BANK_ARRIVED, 0, 0, 0, 0) < 2)
		;
	if (plib_param("mode", 0) == 1)
		plib_call(BANK_ASK, 1 - me, 0, 0, 0);
	else
		plib_call(BANK_TRANSFER, me, 1 - me, 0, 0);
	return PLIB_ATTACK_WON;
}
