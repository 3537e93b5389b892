/* kv-hostile: calls the kv library with every malformed argument the
 * single-threaded app can make: offsets outside the argument area,
 * negative offsets, offset + length overflows, library addresses passed
 * as offsets, a 251-byte key, an empty key, a value over 1 MiB, a result
 * buffer too small, incr on a non-counter. Each must get an error code.
 * Then the key and value buffers are rewritten from another thread
 * (plib_scribble) while set, get and incr calls run on them: each must
 * return a proper result or error code. Afterwards the library's
 * consistency check passes and the values stored before read back
 * intact. Exit 0 only if all of that holds. */
#include "../kv/kv.h"

#define KEY_OFF 0
#define VAL_OFF 256
#define OUT_OFF (256 + KV_MAX_VALUE)

extern char __plib_sec_plib_lib_kv_data[];

static char *A;
static long size;
static int failed;
static long rejected, tried;

static void refused(long r, const char *what)
{
	tried++;
	if (r < 0) {
		rejected++;
		return;
	}
	plib_print("kv-hostile: ACCEPTED: ");
	plib_print(what);
	plib_print("\n");
	failed = 1;
}

static void put(const char *s, long off)
{
	for (long i = 0; s[i]; i++)
		A[off + i] = s[i];
}

int main(void)
{
	A = plib_args(KV_LIB);
	size = (long)plib_args_size(KV_LIB);
	long lib = (long)(uintptr_t)__plib_sec_plib_lib_kv_data;

	/* Values stored before the attack, read back at the end. */
	put("keep", KEY_OFF);
	put("precious value", VAL_OFF);
	if (plib_call(KV_SET, KEY_OFF, 4, VAL_OFF, 14) != 0) {
		plib_print("kv-hostile: could not store the reference value\n");
		return 1;
	}

	refused(plib_call(KV_SET, size, 4, VAL_OFF, 14), "key offset at the end of the argument area");
	refused(plib_call(KV_SET, size - 2, 4, VAL_OFF, 14), "key running past the argument area");
	refused(plib_call(KV_SET, -8, 16, VAL_OFF, 14), "negative key offset");
	refused(plib_call(KV_SET, (long)0x7ffffffffffffff8, 16, VAL_OFF, 14), "key offset + length overflowing");
	refused(plib_call(KV_SET, KEY_OFF, 4, -1, 2), "negative value offset");
	refused(plib_call(KV_SET, KEY_OFF, 4, size - 4, 8), "value running past the argument area");
	refused(plib_call(KV_SET, KEY_OFF, 4, VAL_OFF, -1), "negative value length");
	refused(plib_call(KV_SET, KEY_OFF, 4, 0, KV_MAX_VALUE + 1), "value over 1 MiB");
	refused(plib_call(KV_SET, KEY_OFF, 251, VAL_OFF, 1), "251-byte key");
	refused(plib_call(KV_SET, KEY_OFF, 0, VAL_OFF, 1), "empty key");
	refused(plib_call(KV_SET, lib, 4, VAL_OFF, 14), "a library address as the key offset");
	refused(plib_call(KV_SET, KEY_OFF, 4, lib, 14), "a library address as the value offset");
	refused(plib_call(KV_GET, KEY_OFF, 4, lib, KV_MAX_VALUE), "a library address as the result offset");
	refused(plib_call(KV_GET, KEY_OFF, 4, size - 2, 14), "result running past the argument area");
	refused(plib_call(KV_GET, KEY_OFF, 4, OUT_OFF, 3), "result buffer too small");
	refused(plib_call(KV_GET, KEY_OFF, 4, OUT_OFF, -5), "negative result capacity");
	refused(plib_call(KV_GET, KEY_OFF, 1L << 40, OUT_OFF, 16), "enormous key length");
	refused(plib_call(KV_INCR, KEY_OFF, 4, 1, 0), "incr of a value that is not a counter");
	refused(plib_call(KV_INCR, (long)0x8000000000000000, 4, 1, 0), "incr with the most negative offset");
	refused(plib_call(KV_DELETE, KEY_OFF, 300, 0, 0), "delete with a 300-byte key");
	put("missing", KEY_OFF);
	refused(plib_call(KV_REPLACE, KEY_OFF, 7, VAL_OFF, 3), "replace of a missing key");
	put("keep", KEY_OFF);
	refused(plib_call(KV_ADD, KEY_OFF, 4, VAL_OFF, 3), "add of an existing key");

	/* Time of check to time of use: the buffers change under the calls.
	 * kv copies every argument in before it looks at it, so a call sees
	 * one snapshot (perhaps a torn one, which it stores as such) and
	 * nothing it checked can change afterwards. */
	put("race-key", KEY_OFF);
	long raced = 0, proper = 0, changes = 0;
	long scribbling = plib_scribble(A + KEY_OFF, 16 + 256 + 4096) == 0;
	/* At least 300 rounds, and on until the writer has struck during a
	 * call a few times (it is another thread: it needs time to start,
	 * and on a loaded host it may wait for a core: give it about a
	 * second of TSC cycles as well as 200000 rounds). */
	uint64_t t0 = plib_rdtsc();
	for (long i = 0; scribbling && (i < 300 || (changes < 3 && (i < 200000 || plib_rdtsc() - t0 < 3000000000ULL))); i++) {
		char seen = ((volatile char *)A)[VAL_OFF];
		long r = plib_call(KV_SET, KEY_OFF, 8, VAL_OFF, 4096);
		changes += ((volatile char *)A)[VAL_OFF] != seen; /* rewritten during the call */
		proper += r == 0 || r == KV_ENOSPC;
		r = plib_call(KV_GET, KEY_OFF, 8, OUT_OFF, 8192);
		proper += r == 4096 || r == KV_ENOENT || r == KV_EINVAL;
		r = plib_call(KV_INCR, KEY_OFF, 8, 1, 0);
		proper += r == KV_ENOENT || r == KV_EINVAL || r >= 0;
		raced += 3;
	}
	plib_scribble(0, 0);
	if (scribbling && changes == 0) {
		plib_print("kv-hostile: the buffer never changed during a call: nothing was raced\n");
		failed = 1;
	}
	if (proper != raced) {
		plib_print("kv-hostile: a call on a buffer rewritten under it returned nonsense\n");
		failed = 1;
	}
	put("keep", KEY_OFF); /* the scribbler left its bytes here */

	long check = plib_call(KV_CHECK, 0, 0, 0, 0);
	if (check != 0) {
		plib_print("kv-hostile: the library's consistency check failed\n");
		failed = 1;
	}
	long n = plib_call(KV_GET, KEY_OFF, 4, OUT_OFF, 64);
	const char *want = "precious value";
	int intact = n == 14;
	for (long i = 0; intact && i < 14; i++)
		intact = A[OUT_OFF + i] == want[i];
	if (!intact) {
		plib_print("kv-hostile: the stored value did not survive\n");
		failed = 1;
	}
	plib_metric("raced_calls", raced);
	plib_metric("raced_calls_proper", proper);
	plib_metric("scribbled", scribbling);
	plib_metric("rewritten_during_calls", changes);
	plib_metric("hostile_calls", tried);
	plib_metric("rejected", rejected);
	plib_metric("consistent", check == 0);
	plib_metric("stored_value_intact", intact);
	return failed;
}
