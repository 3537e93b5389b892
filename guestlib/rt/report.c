/* report.c - the application-side timing report: the median of a
 * workload's per-round figures, and, when the harness asks for them
 * (param samples=1, set by vmm compare), every round as a sample. */
#include "plib.h"

static void sort(uint64_t *v, long n)
{
	for (long i = 1; i < n; i++)
		for (long j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

void plib_report_rounds(const char *name, uint64_t *per, long rounds)
{
	char sample[PLIB_SAMPLE_NAME_MAX];
	size_t n = plib_strlen(name);

	if (rounds < 1)
		return;
	if (plib_param("samples", 0) && n + 2 < sizeof(sample)) {
		sample[0] = 's';
		sample[1] = ':';
		memcpy(sample + 2, name, n + 1);
		for (long r = 0; r < rounds; r++)
			plib_metric(sample, (long)per[r]);
	}
	sort(per, rounds);
	plib_metric(name, (long)per[rounds / 2]);
}
