/* table.c - Lab 12's table, chart and CSV; see table.h. */
#include "table.h"
#include "../common/nstypes.h"

#include <ctype.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In the walkthrough's order; the flags and names come from labs/common. */
static const char *const order[NS_TYPES] = { "uts", "ipc", "cgroup", "user",
					     "pid", "mnt", "net",    "time" };
struct kind kinds[NKINDS];
const struct kind none = { "none", "uts", 0 };

void list_kinds(void)
{
	kinds[ALL] = (struct kind){ "all eight", NULL, 0 };
	for (int i = 0; i < NS_TYPES; i++) {
		const struct ns_type *t = ns_type_named(order[i]);

		for (size_t c = 0; t->name[c] && c + 1 < sizeof kinds[i].label; c++)
			kinds[i].label[c] = (char)toupper((unsigned char)t->name[c]);
		kinds[i].file = t->name;
		kinds[i].flag = t->flag;
		kinds[ALL].flag |= t->flag;
	}
}

static bool csv;

void table_begin(bool as_csv)
{
	csv = as_csv;
}

static struct bar {
	char label[48];
	double value; /* the median */
	bool kib;     /* memory; else time in microseconds */
} bars[64];
static int nbars;

/* "123 µs", "4.56 ms", "1.23 s"; "789 KiB", "12.3 MiB". */
static const char *human(double v, bool kib, char buf[24])
{
	static const char *const time_units[] = { "µs", "ms", "s" };
	static const char *const kib_units[] = { "KiB", "MiB", "GiB" };
	double step = kib ? 1024 : 1000;
	double a = v < 0 ? -v : v;
	int i = 0;

	for (; i < 2 && a >= 1000; i++) {
		v /= step;
		a /= step;
	}
	snprintf(buf, 24,
		 a >= 100 || v == 0 ? "%.0f %s"
		 : a >= 10	    ? "%.1f %s"
				    : "%.2f %s",
		 v, kib ? kib_units[i] : time_units[i]);
	return buf;
}

/* Logarithms without libm: the decade by division, the rest by the
 * series ln x = 2(y + y^3/3 + y^5/5 + ...), y = (x-1)/(x+1), 1 <= x < 10. */
static double log10_of(double x)
{
	double e = 0;
	double sum = 0;
	double y;
	double term;

	for (; x >= 10; x /= 10)
		e++;
	for (; x < 1; x *= 10)
		e--;
	y = (x - 1) / (x + 1);
	term = y;
	for (int k = 1; k < 60; k += 2) {
		sum += term / k;
		term *= y * y;
	}
	return e + 2 * sum / 2.302585092994046;
}

static double decade(double x, bool up) /* the power of ten at or below (above) x */
{
	double d = 1;

	while (d > x)
		d /= 10;
	while (d * 10 <= x)
		d *= 10;
	return up && d < x ? d * 10 : d;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *s, int n) /* and S sorted */
{
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void section(int n, const char *title)
{
	if (csv)
		return;
	step(n, "%s", title);
	note("%-36s %10s %10s %10s", "", "median", "min", "max");
}

void row(const char *sec, const char *label, double *s, int n, bool kib, bool chart)
{
	char a[24];
	char b[24];
	char c[24];
	double med = median(s, n);

	if (csv)
		printf("%s,\"%s\",%s,%.1f,%.1f,%.1f,%d,\n", sec, label, kib ? "KiB" : "us", med,
		       s[0], s[n - 1], n);
	else
		note("%-36s %10s %10s %10s", label, human(med, kib, a), human(s[0], kib, b),
		     human(s[n - 1], kib, c));
	if (chart && nbars < 64) {
		bars[nbars] = (struct bar){ .value = med, .kib = kib };
		snprintf(bars[nbars++].label, sizeof bars->label, "%s", label);
	}
}

void ratio_row(const char *sec, const char *label, double *s, int n)
{
	double med = median(s, n);

	if (csv)
		printf("%s,\"%s\",ratio,%.2f,%.2f,%.2f,%d,\n", sec, label, med, s[0], s[n - 1], n);
	else
		note("%-36s %9.1fx %9.1fx %9.1fx", label, med, s[0], s[n - 1]);
}

void skip_row(const char *sec, const char *label, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (csv)
		printf("%s,\"%s\",,,,,0,\"skipped: %s\"\n", sec, label, why);
	else
		note("%-36s skipped: %s", label, why);
}

void remark(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (!csv)
		note("%s", text);
}

/* Medians as bars: one chart for times, one for memory.  When the largest
 * is more than 20 times the smallest, the scale is logarithmic.  A figure
 * below 0 (memory lost in the noise, see nsbench.c) gets no bar. */
static void draw(bool kib)
{
	static const char hashes[] = "########################################";
	const int width = sizeof hashes - 1;
	double lo = 1e300;
	double hi = 0;
	double span;
	bool logscale;
	char buf[24];

	for (int i = 0; i < nbars; i++) {
		if (bars[i].kib != kib || bars[i].value < 1) /* below 1: the shortest bar */
			continue;
		lo = lo < bars[i].value ? lo : bars[i].value;
		hi = hi > bars[i].value ? hi : bars[i].value;
	}
	if (hi == 0)
		return;
	logscale = hi / lo > 20;
	if (logscale) { /* whole decades at both ends */
		lo = decade(lo, false);
		hi = decade(hi, true);
		span = log10_of(hi / lo);
	} else {
		lo = 0;
		span = hi;
	}
	if (kib) {
		printf("\n    memory, %s scale from %g to %g KiB:\n", logscale ? "log" : "linear",
		       lo, hi);
	} else {
		printf("\n    time, %s scale from %s", logscale ? "log" : "linear",
		       human(lo, kib, buf));
		printf(" to %s:\n", human(hi, kib, buf));
	}
	for (int i = 0; i < nbars; i++) {
		double v = bars[i].value;
		double f = v <= lo ? 0 : logscale ? log10_of(v / lo) / span : v / span;
		int len = (int)(f * width + 0.5) > 0 ? (int)(f * width + 0.5) : 1;

		if (bars[i].kib != kib)
			continue;
		if (v < 0)
			printf("    %-36s |%-*s %s: below the noise\n", bars[i].label, width, "",
			       human(v, kib, buf));
		else
			printf("    %-36s |%-*.*s %s\n", bars[i].label, width, len, hashes,
			       human(v, kib, buf));
	}
}

void chart(int n)
{
	if (csv || !nbars)
		return;
	step(n, "the medians as bars");
	draw(false);
	draw(true);
}
