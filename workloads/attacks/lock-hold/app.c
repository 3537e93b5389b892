/* attack-lock-hold (PLIB_APPS(2)): instance 1 enters kv and keeps its lock
 * for good (KV_DIE_AT, step 0: crafted input that never returns), right
 * after instance 0 said it is ready; instance 0 then calls kv at once and
 * waits on that lock. The holder must be the one stopped past its call
 * budget and blamed (the violation names kv in instance 1, "kv#1"), and
 * the waiter's call must go through once kv has taken the lock over from
 * the stopped holder. Exit 77 from instance 0: its calls were answered
 * and kv is consistent (defeated); 66: its call waited forever or was
 * blamed. */
#include "../../kv/kv_pair.h"

PLIB_APPS(2);

int main(void)
{
	A = plib_args(KV_LIB);
	if (plib_apps() != 2)
		return 2;
	if (plib_app_id() == 1) {
		if (!wait_for("@ready"))
			return 3;
		plib_call(KV_DIE_AT, 0, 0, 0, 0); /* holds the lock; never returns */
		return PLIB_ATTACK_WON;
	}
	if (setv("mine", "kept", 4) != 0 || setv("@ready", "1", 1) != 0)
		return 1;
	/* Instance 1 takes the lock as soon as it reads @ready: from then on
	 * our next kv call waits on it until kv takes it over from the stopped
	 * holder (KV_RECOVERIES takes no lock). Bounded by --timeout. */
	while (plib_call(KV_RECOVERIES, 0, 0, 0, 0) == 0)
		if (getv("mine") != 4 || memcmp(A + 512, "kept", 4) != 0)
			return 1;
	if (setv("after", "works", 5) != 0 || getv("after") != 5)
		return 1;
	plib_metric("recoveries", plib_call(KV_RECOVERIES, 0, 0, 0, 0));
	return plib_call(KV_CHECK, 0, 0, 0, 0) == 0 ? 77 : 1;
}
