/* lib-crash: the application calls a library function that crashes. In
 * one address space the crash stops the workload with a report naming
 * the library; with the library in its own process (process backend) the
 * call returns PLIB_ERR_LIB_DEAD within bounded time instead of hanging,
 * and the application says so and exits 0; the run's verdict is still the
 * library's fault (a violation naming it), as in one address space. */
#include "../null/api.h"

int main(void)
{
	plib_print("lib-crash: calling a library function that crashes\n");
	long r = plib_call(NULL_CRASH, 7, 0, 0, 0);
	plib_metric("result", r);
	if (r == PLIB_ERR_LIB_DEAD) {
		plib_print("lib-crash: the library process died; the call returned an error\n");
		return 0;
	}
	plib_print("lib-crash: the call returned\n");
	return 1;
}
