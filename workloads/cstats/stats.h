/* stats.h - a small statistics library written as ordinary C (doubles,
 * malloc, qsort, bsearch, strtod, snprintf, sqrt): nothing in it knows
 * about plib. lib.c exports it as a protected library; native.c links the
 * same files against the host's C library, and the two must print the
 * same bytes. */
#ifndef CSTATS_STATS_H
#define CSTATS_STATS_H
#include <stddef.h>

/* Writes n numbers, generated from seed, into buf as text ("%.6f "
 * each); returns the length, or -1 if cap is too small. */
long stats_input(char *buf, size_t cap, unsigned seed, int n);

/* Parses the numbers in text (strtod), sorts them and writes a report
 * (count, mean, standard deviation, median, quartiles, how many distinct
 * integers) into out, at most cap bytes with its NUL; returns the
 * report's length, or -1 on a malformed number or no memory. */
long stats_report(const char *text, char *out, size_t cap);

#endif
