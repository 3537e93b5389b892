/* app.c - one call down the chain; with a cycle the run must be stopped
 * at once (a gate fault), never answered and never left to hang. */
#include "api.h"

int main(void)
{
	long depth = plib_param("depth", 2);
	long r = plib_call(A_DOWN, 40, depth, 0, 0);
	plib_metric("result", r);
	return r == 42 ? 0 : 1;
}
