/* stats.c - the statistics library itself (stats.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

long stats_input(char *buf, size_t cap, unsigned seed, int n)
{
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u; /* the C standard's example generator */
		double x = (double)(seed >> 8) / (1 << 24) * 200.0 - 50.0;
		int w = snprintf(buf + len, cap - len, "%.6f ", x * x / 10.0);
		if (w < 0 || (size_t)w >= cap - len)
			return -1;
		len += (size_t)w;
	}
	return (long)len;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int by_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n) by linear interpolation. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)floor(pos);
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

long stats_report(const char *text, char *out, size_t cap)
{
	size_t n = 0, room = 16;
	double *v = malloc(room * sizeof *v);
	if (!v)
		return -1;
	for (const char *p = text;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *end;
		double x = strtod(p, &end);
		if (end == p) {
			free(v);
			return -1;
		}
		if (n == room) {
			double *w = realloc(v, 2 * room * sizeof *v);
			if (!w) {
				free(v);
				return -1;
			}
			v = w;
			room *= 2;
		}
		v[n++] = x;
		p = end;
	}
	if (n == 0) {
		free(v);
		return snprintf(out, cap, "count 0\n");
	}
	qsort(v, n, sizeof *v, by_value);
	double sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	double mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - mean) * (v[i] - mean);
	/* The distinct integer parts, sorted, and one looked up. */
	long *ints = calloc(n, sizeof *ints);
	if (!ints) {
		free(v);
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || ints[k - 1] != (long)v[i])
			ints[k++] = (long)v[i];
	qsort(ints, k, sizeof *ints, by_long);
	long probe = (long)mean;
	int found = bsearch(&probe, ints, k, sizeof *ints, by_long) != NULL;
	char num[32];
	snprintf(num, sizeof num, "%g", sqrt(sq / (double)n));
	long len = snprintf(out, cap,
			    "count %zu\nmean %.6f\nstddev %s\nmin %.3e\nq1 %.6f\nmedian %.6f\nq3 %.6f\nmax %.3e\n"
			    "distinct integers %zu (the mean's, %ld, %s)\nsqrt(2) %.17g\n",
			    n, mean, num, v[0], quantile(v, n, 0.25), quantile(v, n, 0.5), quantile(v, n, 0.75),
			    v[n - 1], k, probe, found ? "among them" : "not among them", sqrt(2.0));
	free(ints);
	free(v);
	return len < 0 || (size_t)len >= cap ? -1 : len;
}
