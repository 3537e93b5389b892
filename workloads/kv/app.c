/* app.c - the kv driver: per-operation latency for the seed's table (get
 * and set of 128 B and 5 KB values, delete, incr) and a mixed load (90%
 * get, 10% set), as the median over rounds of cycles per operation; then
 * LRU eviction with 1 MiB values and the library's consistency check.
 * Every result is verified; any mismatch exits 1.
 * Params: iterations (per round, default 200), rounds (default 5),
 * fill (1 MiB values to store, default 48: more than the 32 MiB heap),
 * churn (if > 0: only set and delete the same 1000 keys churn times and
 * report the heap in use after the first and the last pass), samples (1:
 * also report every round). */
#include "kv.h"

#define KEY_OFF 0
#define VAL_OFF 256
#define OUT_OFF (256 + KV_MAX_VALUE)
#define MAX_ROUNDS 32

static char *A;
static long iters, rounds;

static long key(const char *prefix, long i)
{
	long n = 0;
	while (prefix[n]) {
		A[KEY_OFF + n] = prefix[n];
		n++;
	}
	A[KEY_OFF + n++] = '-';
	char digits[20];
	int d = 0;
	do {
		digits[d++] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	while (d)
		A[KEY_OFF + n++] = digits[--d];
	return n;
}

static void fill_value(long len, char seed)
{
	for (long i = 0; i < len; i++)
		A[VAL_OFF + i] = (char)(seed + i % 23);
}

static int value_ok(long len, char seed)
{
	for (long i = 0; i < len; i++)
		if (A[OUT_OFF + i] != (char)(seed + i % 23))
			return 0;
	return 1;
}

static int failed;

static void expect(int ok, const char *what)
{
	if (!ok) {
		plib_print("kv: FAILED: ");
		plib_print(what);
		plib_print("\n");
		failed = 1;
	}
}

/* Times `op` over iters calls per round; reports the median per call. */
#define TIMED(name, setup, op)                                          \
	do {                                                            \
		uint64_t per[MAX_ROUNDS];                               \
		for (long r = 0; r < rounds; r++) {                     \
			setup;                                          \
			uint64_t t0 = plib_rdtsc();                     \
			for (long i = 0; i < iters; i++)                \
				op;                                     \
			per[r] = (plib_rdtsc() - t0) / iters;           \
		}                                                       \
		plib_report_rounds(name, per, rounds);                  \
	} while (0)

static long kset(long klen, long vlen) { return plib_call(KV_SET, KEY_OFF, klen, VAL_OFF, vlen); }
static long kget(long klen) { return plib_call(KV_GET, KEY_OFF, klen, OUT_OFF, KV_MAX_VALUE); }

int main(void)
{
	A = plib_args(KV_LIB);
	iters = plib_param("iterations", 200);
	rounds = plib_param("rounds", 5);
	long fill = plib_param("fill", 48);
	if (iters < 1 || rounds < 1 || rounds > MAX_ROUNDS || plib_args_size(KV_LIB) < OUT_OFF + KV_MAX_VALUE) {
		plib_print("kv: bad parameters or argument area too small\n");
		return 2;
	}
	long churn = plib_param("churn", 0);
	if (churn > 0) {
		fill_value(200, 'c');
		for (long pass = 0; pass < churn; pass++) {
			for (long i = 0; i < 1000; i++)
				expect(kset(key("churn", i), 64 + i % 137) == 0, "churn set");
			for (long i = 0; i < 1000; i++)
				expect(plib_call(KV_DELETE, KEY_OFF, key("churn", i), 0, 0) == 0, "churn delete");
			if (pass == 0)
				plib_metric("heap_after_first_pass", plib_call(KV_HEAP, 0, 0, 0, 0));
		}
		plib_metric("heap_after_last_pass", plib_call(KV_HEAP, 0, 0, 0, 0));
		plib_metric("items", plib_call(KV_COUNT, 0, 0, 0, 0));
		plib_metric("consistent", plib_call(KV_CHECK, 0, 0, 0, 0) == 0);
		return failed;
	}

	for (int size = 0; size < 2; size++) {
		long vlen = size ? 5120 : 128;
		long klen = key(size ? "v5k" : "v128", 0);
		fill_value(vlen, (char)('a' + size));
		TIMED(size ? "set_5k_cycles" : "set_128_cycles", , kset(klen, vlen));
		expect(kset(klen, vlen) == 0, "set");
		expect(kget(klen) == vlen && value_ok(vlen, (char)('a' + size)), "get returns what was set");
		TIMED(size ? "get_5k_cycles" : "get_128_cycles", , kget(klen));
	}

	long base = 0;
	TIMED("delete_cycles",
	      do { fill_value(16, 'd'); for (long i = 0; i < iters; i++) kset(key("del", base + i), 16); } while (0),
	      plib_call(KV_DELETE, KEY_OFF, key("del", base + i), 0, 0);
	      base += iters);
	expect(kget(key("del", 0)) == KV_ENOENT, "deleted keys are gone");

	long klen = key("ctr", 0);
	for (int i = 0; i < 8; i++)
		A[VAL_OFF + i] = 0;
	expect(kset(klen, 8) == 0, "set counter");
	TIMED("incr_cycles", , plib_call(KV_INCR, KEY_OFF, key("ctr", 0), 1, 0));
	expect(plib_call(KV_INCR, KEY_OFF, key("ctr", 0), 0, 0) == iters * rounds, "incr counts every increment");

	fill_value(128, 'm');
	for (long i = 0; i < 64; i++)
		kset(key("mix", i), 128);
	TIMED("mixed_cycles", , (i % 10 == 9) ? kset(key("mix", i % 64), 128) : kget(key("mix", i % 64)));

	/* LRU eviction: more 1 MiB values than the heap holds. */
	long stored = 0;
	for (long i = 0; i < fill; i++) {
		fill_value(KV_MAX_VALUE, (char)i);
		stored += kset(key("big", i), KV_MAX_VALUE) == 0;
	}
	expect(stored == fill, "every 1 MiB set succeeds, evicting older ones");
	if (fill > 40) {
		expect(kget(key("big", 0)) == KV_ENOENT, "the oldest 1 MiB value was evicted");
		expect(kget(key("big", fill - 1)) == KV_MAX_VALUE && value_ok(KV_MAX_VALUE, (char)(fill - 1)),
		       "the newest 1 MiB value reads back");
	}
	long check = plib_call(KV_CHECK, 0, 0, 0, 0);
	expect(check == 0, "the library's consistency check passes");
	plib_metric("items", plib_call(KV_COUNT, 0, 0, 0, 0));
	plib_metric("consistent", check == 0);
	return failed;
}
