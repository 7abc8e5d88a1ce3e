/* table.h - how Lab 12 shows its figures: a table, then a chart of the
 * medians; or CSV.  Not the lesson: nsbench.c is. */
#ifndef NSBENCH_TABLE_H
#define NSBENCH_TABLE_H
#include "../common/nslab.h"
#include "../common/nstypes.h"

/* What a row makes: a namespace type (its CLONE_ flag and /proc/PID/ns name
 * from labs/common/nstypes.h, its label in capitals), all eight, or none.
 * CLONE_NEWTIME shares its bit with clone()'s exit signal: a time namespace
 * is made with unshare(), for the children forked after it. */
struct kind {
	char label[16];
	const char *file; /* /proc/PID/ns/FILE */
	int flag;
};
enum { ALL = NS_TYPES, NKINDS };  /* kinds[ALL]: all eight at once */
extern struct kind kinds[NKINDS]; /* UTS IPC CGROUP USER PID MNT NET TIME, all */
extern const struct kind none;	  /* the control: the same work, no new namespace */
void list_kinds(void);		  /* fills in kinds[] */

void table_begin(bool csv);
/* A numbered section's title and its column heads. */
void section(int n, const char *title);
/* One figure from N samples (sorted here), in µs or, if KIB, in KiB; its
 * median is drawn in the chart if CHART. */
void row(const char *sec, const char *label, double *s, int n, bool kib, bool chart);
void ratio_row(const char *sec, const char *label, double *s, int n); /* no unit */
void skip_row(const char *sec, const char *label, const char *fmt, ...) PRINTF(3, 4);
void remark(const char *fmt, ...) PRINTF(1, 2); /* a line of narration (none in CSV) */
void chart(int n);				/* the medians as bars, as step N */
#endif
