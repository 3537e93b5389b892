/* app.c - the sharing workload: two application instances (PLIB_APPS(2)),
 * each in its own address space on its own vCPU or thread, share one kv
 * library. Each stores its own value under the same key name and reads
 * back its own (namespaces); both increment one shared counter ("@"
 * keys are shared) concurrently and find every increment counted; what
 * one writes into its own memory, the other does not see at the same
 * address. Params: increments (per application, default 2000). */
#include "../kv/kv.h"

PLIB_APPS(2);

static char *A;
static char mine[64]; /* private memory: the same address in both instances */
static int failed;

static void expect(int ok, const char *what)
{
	if (!ok) {
		plib_print(plib_app_id() ? "sharing (app 1): FAILED: " : "sharing (app 0): FAILED: ");
		plib_print(what);
		plib_print("\n");
		failed = 1;
	}
}

static long key(const char *k)
{
	long n = (long)plib_strlen(k);
	memcpy(A, k, n);
	return n;
}

static long value8(long v)
{
	memcpy(A + 256, &v, 8);
	return 8;
}

/* incr(k, d): the counter's new value. */
static long incr(const char *k, long d) { return plib_call(KV_INCR, 0, key(k), d, 0); }

/* Both instances reach this point before either goes on. */
static int barrier(const char *k, long parties)
{
	long n = key(k);
	value8(0);
	plib_call(KV_ADD, 0, n, 256, 8); /* one instance creates it */
	incr(k, 1);
	uint64_t t0 = plib_rdtsc();
	while (plib_rdtsc() - t0 < 200000000000ull) /* ~1 min: the other may start late (--timeout bounds it) */
		if (incr(k, 0) >= parties)
			return 1;
	return 0;
}

int main(void)
{
	long me = plib_app_id(), increments = plib_param("increments", 2000);
	A = plib_args(KV_LIB);
	if (plib_apps() != 2 || increments < 1) {
		plib_print("sharing: needs two application instances and increments >= 1\n");
		return 2;
	}
	for (int i = 0; i < 64; i++)
		mine[i] = (char)('a' + me * 7 + i % 5);

	/* The same key name in two namespaces. */
	long n = key("secret");
	memcpy(A + 256, mine, 64);
	expect(plib_call(KV_SET, 0, n, 256, 64) == 0, "set secret");
	if (me == 0) {
		memcpy(A + 256, "from app 0", 10);
		expect(plib_call(KV_SET, 0, key("@note"), 256, 10) == 0, "set @note");
	}

	/* The shared counter, incremented by both at once. */
	value8(0);
	plib_call(KV_ADD, 0, key("@counter"), 256, 8);
	expect(barrier("@start", 2), "the other application never started");
	for (long i = 0; i < increments; i++)
		incr("@counter", 1);
	expect(barrier("@done", 2), "the other application never finished");
	long total = incr("@counter", 0);
	expect(total == 2 * increments, "concurrent increments were lost");

	/* Each reads back its own secret, never the other's. */
	expect(plib_call(KV_GET, 0, key("secret"), 512, 64) == 64 && memcmp(A + 512, mine, 64) == 0,
	       "get secret returned another application's value");
	expect(plib_call(KV_GET, 0, key("@note"), 512, 64) == 10 && memcmp(A + 512, "from app 0", 10) == 0,
	       "a shared key is not shared");
	/* The other instance wrote its own pattern at this same address. */
	expect(mine[0] == (char)('a' + me * 7), "private memory changed under us");
	long check = plib_call(KV_CHECK, 0, 0, 0, 0);
	expect(check == 0, "the library's consistency check");
	plib_metric("counter", total);
	plib_metric("expected", 2 * increments);
	plib_metric("items", plib_call(KV_COUNT, 0, 0, 0, 0));
	plib_metric("consistent", check == 0);
	plib_metric("private_address", (long)(uintptr_t)mine);
	return failed;
}
