/* app.c - the kill-mid-call workload (PLIB_APPS(2)). Instance 1 enters kv
 * and stops for good inside a set of "@victim", holding kv's lock, at
 * step `step` of the critical section (KV_DIE_AT: 0 holding the lock, 1
 * chunk filled, 2 linked, 3 committed, 4 old copy freed); it is killed
 * when its call budget runs out. Instance 0 then needs the lock: kv
 * finds the holder dead (plib_app_alive), takes the lock over and
 * rebuilds its tables, rolling the set back (steps 0-2) or forward (3-4).
 * Instance 0 checks that its own keys read back, "@victim" holds the old
 * or the new value as the step says, and kv is consistent.
 * Params: step (0..4, default 2). Run with a short --call-budget; under
 * none, which bounds no call, instance 1 is never stopped. */
#include "../kv/kv_pair.h"

PLIB_APPS(2);

int main(void)
{
	long step = plib_param("step", 2), failed = 0;
	A = plib_args(KV_LIB);
	if (plib_apps() != 2 || step < 0 || step > 4)
		return 2;
	if (plib_app_id() == 1) {
		if (!wait_for("@ready"))
			return 3;
		/* Never returns, except under process, where the library's
		   process is ended past its budget and this instance may carry
		   on with PLIB_ERR_LIB_DEAD before it is stopped too. */
		if (plib_call(KV_DIE_AT, step, 0, 0, 0) == PLIB_ERR_LIB_DEAD)
			return 0;
		return 4;
	}
	for (int i = 0; i < 10; i++) {
		char k[] = "own-0", v[] = "value-0";
		k[4] = v[6] = (char)('0' + i);
		failed |= setv(k, v, 7) != 0;
	}
	failed |= setv("@victim", "original", 8) != 0;
	setv("@ready", "1", 1);
	/* No kv call until instance 1 has been stopped inside kv (past its
	 * call budget): a call of ours waiting that long on the lock would
	 * itself run past its budget. */
	for (uint64_t t = plib_rdtsc(); plib_app_alive(1) != 0;)
		if (plib_rdtsc() - t > 200000000000ull)
			return 6;
	/* This call needs the lock that instance 1 held as it died. */
	for (int i = 0; i < 10; i++) {
		char k[] = "own-0", v[] = "value-0";
		k[4] = v[6] = (char)('0' + i);
		if (getv(k) != 7 || memcmp(A + 512, v, 7) != 0) {
			plib_print("kill-mid-call: a key of our own did not survive\n");
			failed = 1;
		}
	}
	long n = getv("@victim");
	long forward = n == 8 && memcmp(A + 512, "died-mid", 8) == 0;
	const char *want = step >= 3 ? "died-mid" : "original";
	if (n != 8 || memcmp(A + 512, want, 8) != 0) {
		plib_print("kill-mid-call: @victim is neither rolled back nor forward as it should be\n");
		failed = 1;
	}
	failed |= setv("after", "works", 5) != 0 || getv("after") != 5;
	long recoveries = plib_call(KV_RECOVERIES, 0, 0, 0, 0);
	long check = plib_call(KV_CHECK, 0, 0, 0, 0);
	plib_metric("recoveries", recoveries);
	plib_metric("victim_rolled_forward", forward);
	plib_metric("consistent", check == 0);
	plib_metric("items", plib_call(KV_COUNT, 0, 0, 0, 0));
	return failed || recoveries != 1 || check != 0;
}
