/* app.c - the app-crash workload (PLIB_APPS(2)): instance 1 loops over kv
 * calls and crashes (a write to address 0) after a number of calls drawn
 * from param seed; instance 0 loops over the same kv meanwhile, inside
 * the library as often as not when the crash comes, and must finish with
 * every result right and the library consistent. An application's crash
 * happens in its own code, never inside a library call, so it can leave
 * no library lock held: this checks that it holds for every backend.
 * Params: seed (default 1), calls (instance 0's loop, default 3000). */
#include "../kv/kv.h"

PLIB_APPS(2);

static char *A;

static long key(const char *prefix, long i)
{
	long n = (long)plib_strlen(prefix);
	memcpy(A, prefix, n);
	A[n++] = (char)('0' + i % 10);
	A[n++] = (char)('0' + i / 10 % 10);
	return n;
}

/* xorshift: the crash point, reproducible from the seed. */
static uint64_t draw(uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

int main(void)
{
	long seed = plib_param("seed", 1), calls = plib_param("calls", 3000);
	A = plib_args(KV_LIB);
	if (plib_apps() != 2 || calls < 1)
		return 2;
	if (plib_app_id() == 1) {
		long crash_at = 1 + (long)(draw((uint64_t)seed) % 2000);
		plib_metric("crash_at", crash_at);
		for (long i = 0;; i++) {
			memset(A + 256, 'v', 100);
			plib_call(KV_SET, 0, key("k", i % 100), 256, 100);
			plib_call(KV_GET, 0, key("k", i % 100), 512, 4096);
			if (i == crash_at)
				*(volatile long *)0 = 1; /* the crash: a fault in the app's own code */
		}
	}
	long wrong = 0;
	for (long i = 0; i < calls; i++) {
		memset(A + 256, (char)('a' + i % 26), 64);
		wrong += plib_call(KV_SET, 0, key("m", i % 100), 256, 64) != 0;
		wrong += plib_call(KV_GET, 0, key("m", i % 100), 512, 4096) != 64 || A[512] != (char)('a' + i % 26);
	}
	long check = plib_call(KV_CHECK, 0, 0, 0, 0);
	plib_metric("wrong", wrong);
	plib_metric("completed", calls);
	plib_metric("consistent", check == 0);
	return wrong != 0 || check != 0;
}
