/* app.c - attack-toctou: while set, get and incr run, another thread
 * (plib_scribble) keeps rewriting their key and value buffers, hoping the
 * library checks a length or key and then uses changed bytes. kv copies
 * every argument into private memory before it looks at it, so each call
 * works on one snapshot. Exit 69: every call answered properly and kv's
 * consistency check passed (the attack got nothing); 66: kv is corrupt;
 * 67: the backend has no thread to rewrite with. */
#include "../../kv/kv.h"

int main(void)
{
	char *A = plib_args(KV_LIB);
	memcpy(A, "toctou-k", 8);
	if (plib_scribble(A, 8 + 4096) != 0)
		return PLIB_ATTACK_NOT_APPLICABLE;
	long bad = 0, changes = 0;
	for (long i = 0; i < 300 || (changes < 3 && i < 200000); i++) {
		char seen = ((volatile char *)A)[64];
		long r = plib_call(KV_SET, 0, 8, 8, 4096);
		changes += ((volatile char *)A)[64] != seen;
		bad += r != 0;
		r = plib_call(KV_GET, 0, 8, 8192, 8192);
		bad += r != 4096 && r != KV_ENOENT;
		r = plib_call(KV_INCR, 0, 8, 1, 0);
		bad += r != KV_EINVAL && r != KV_ENOENT;
	}
	plib_scribble(0, 0);
	long check = plib_call(KV_CHECK, 0, 0, 0, 0);
	plib_metric("rewritten_during_calls", changes);
	plib_metric("improper_answers", bad);
	plib_metric("consistent", check == 0);
	if (check != 0 || bad != 0) {
		plib_print("attack-toctou: kv answered wrongly or is corrupt\n");
		return PLIB_ATTACK_WON;
	}
	return changes > 0 ? PLIB_ATTACK_DEFEATED : 1;
}
