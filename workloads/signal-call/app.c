/* signal-call: one long library call (param "iterations" reads of the
 * library's secret) that signals may interrupt; exits 0 only if the call
 * returned the same digest as a short one. */
#include "../null/api.h"

int main(void)
{
	long want = plib_call(NULL_PEEK, 0, 0, 0, 0);
	long got = plib_call(NULL_SPIN, plib_param("iterations", 20000000), 0, 0, 0);
	plib_metric("digest_ok", got == want);
	return got == want ? 0 : 1;
}
