/* app.c - calls the counter library's two entry points. */
#include "plib.h"
#include "plib_ids.h"

#define COUNTER_ADD PLIB_ENTRY(PLIB_LIB_COUNTER, 0)
#define COUNTER_TOTAL PLIB_ENTRY(PLIB_LIB_COUNTER, 1)

int main(void)
{
	long times = plib_param("times", 3);
	for (long i = 1; i <= times; i++)
		plib_call(COUNTER_ADD, i, 0, 0, 0);
	long t = plib_call(COUNTER_TOTAL, 0, 0, 0, 0);
	plib_printf("app: %ld calls, total %ld (%s), hex 0x%lx padded [%05d] [%3s] %c%%\n", times + 1, t,
		    t == times * (times + 1) / 2 ? "right" : "wrong", (unsigned long)t, 42, "ab", 'z');
	plib_metric("total", t);
	return t == times * (times + 1) / 2 ? 0 : 1;
}
