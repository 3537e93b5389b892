/* attack-slot-forge: two application instances share kv (PLIB_APPS(2));
 * under the handoff backend each posts its calls in request slots it can
 * write. Instance 1 stores a value under "secret" in its own namespace.
 * Instance 0 writes requests straight into its slot, as no gate would:
 * first a get of "secret" with every spare word of the request naming
 * application 1 (kv must answer from instance 0's namespace: not found),
 * then a call of an entry kv does not export (the serve code must refuse
 * it and the run stops, as the vmfunc gate stops it). 66: the forged
 * request read instance 1's value or reached the unexported entry.
 * Where there are no request slots: 67. */
#include "../../kv/kv.h"
#include "../slot.h"

PLIB_APPS(2);

static char *A;

static long key(const char *k)
{
	long n = (long)plib_strlen(k);
	memcpy(A, k, n);
	return n;
}

int main(void)
{
	volatile char *s = slot_to(KV_LIB);
	if (!s)
		return PLIB_ATTACK_NOT_APPLICABLE;
	A = plib_args(KV_LIB);
	if (plib_app_id() == 1) {
		memcpy(A + 256, "app 1's own value", 17);
		if (plib_call(KV_SET, 0, key("secret"), 256, 17))
			return 1;
		plib_call(KV_INCR, 0, key("@ready"), 1, 0);
		return 0;
	}
	long v = 0;
	memcpy(A + 256, &v, 8);
	plib_call(KV_ADD, 0, key("@ready"), 256, 8);
	/* Give instance 1 a moment to store its value (about 0.4 s); the
	   forged get must find nothing of instance 1's either way. */
	for (uint64_t t = plib_rdtsc(); plib_call(KV_INCR, 0, key("@ready"), 0, 0) < 1;)
		if (plib_rdtsc() - t > 1000000000ull)
			break;
	long n = key("secret");
	slot_post4(s, KV_GET, 0, n, 512, 64);
	SLOT_WORD(s, 0x38) = 1; /* the spare words of the request: "application 1" */
	SLOT_WORD(s, PLIB_HO_RESULT) = 1;
	long r = slot_wait(s);
	if (r > 0 && memcmp(A + 512, "app 1's own value", 17) == 0) {
		plib_print("attack-slot-forge: read application 1's value\n");
		return PLIB_ATTACK_WON;
	}
	plib_metric("forged_namespace_get", r);
	plib_print("attack-slot-forge: now an unexported entry, straight into the slot\n");
	slot_post(s, PLIB_ENTRY(KV_LIB, 31), 0);
	r = slot_wait(s);
	plib_metric("unexported_returned", r);
	return PLIB_ATTACK_WON;
}
