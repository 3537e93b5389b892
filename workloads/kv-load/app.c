/* app.c - the kv-load workload: KV_LOAD_APPS application instances (2
 * here: the core count; kv-load-8 builds it with 8) hammer one kv at
 * once: each sets and reads back keys of its own and increments one
 * shared counter `ops` times. When all are done, the counter must be
 * exactly instances x ops (no lost update, no deadlock: the run is
 * bounded by --timeout and each call by --call-budget), each instance's
 * keys must read back, and the library must be consistent. Reports the
 * instance's operations per second. Params: ops (default 2000). */
#include "../kv/kv.h"

#ifndef KV_LOAD_APPS
#define KV_LOAD_APPS 2
#endif
PLIB_APPS(KV_LOAD_APPS);

static char *A;

static long key(const char *prefix, long i)
{
	long n = (long)plib_strlen(prefix);
	memcpy(A, prefix, n);
	A[n++] = (char)('0' + i % 10);
	A[n++] = (char)('0' + i / 10 % 10);
	return n;
}

static long incr(long d) { return plib_call(KV_INCR, 0, key("@total", 0), d, 0); }

int main(void)
{
	long me = plib_app_id(), apps = plib_apps(), ops = plib_param("ops", 2000), wrong = 0;
	A = plib_args(KV_LIB);
	if (apps != KV_LOAD_APPS || ops < 1)
		return 2;
	long zero = 0;
	memcpy(A + 256, &zero, 8);
	plib_call(KV_ADD, 0, key("@total", 0), 256, 8);
	plib_call(KV_ADD, 0, key("@finished", 0), 256, 8);
	uint64_t t0 = plib_rdtsc();
	for (long i = 0; i < ops; i++) {
		memset(A + 256, (char)('a' + (me + i) % 26), 32);
		wrong += plib_call(KV_SET, 0, key("own", i % 50), 256, 32) != 0;
		wrong += plib_call(KV_GET, 0, key("own", i % 50), 512, 4096) != 32 || A[512] != (char)('a' + (me + i) % 26);
		incr(1);
	}
	uint64_t cycles = plib_rdtsc() - t0;
	plib_call(KV_INCR, 0, key("@finished", 0), 1, 0);
	long finished = 0;
	for (uint64_t w = plib_rdtsc(); plib_rdtsc() - w < 200000000000ull;) { /* bounded by --timeout */
		finished = plib_call(KV_INCR, 0, key("@finished", 0), 0, 0);
		if (finished >= apps)
			break;
	}
	long total = incr(0);
	long check = plib_call(KV_CHECK, 0, 0, 0, 0);
	plib_metric("instances_done", finished);
	plib_metric("total", total);
	plib_metric("expected", apps * ops);
	plib_metric("wrong", wrong);
	plib_metric("consistent", check == 0);
	plib_metric("op_cycles", (long)(cycles / (3 * (uint64_t)ops)));
	return wrong != 0 || check != 0 || finished != apps || total != apps * ops;
}
