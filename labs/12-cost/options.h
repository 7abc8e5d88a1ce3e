/* options.h - Lab 12's command line, and the header of its report.  Not
 * the lesson: nsbench.c is. */
#ifndef NSBENCH_OPTIONS_H
#define NSBENCH_OPTIONS_H
#include "../common/nslab.h"

enum { MAX_RUNS = 1000, MAX_ROUNDS = 3 }; /* memory rounds and VM boots: at most 3 */

struct bench_opts {
	int runs;	/* --runs: samples of each time */
	int count;	/* --count: namespaces held at once for the memory figures */
	int vm_timeout; /* --vm-timeout, in seconds */
	bool csv;
	bool quiet;
	const char *only; /* --only, NULL: every section */
};

void parse_args(int argc, char **argv, struct bench_opts *o);
bool wanted(const struct bench_opts *o, const char *section); /* asked for? */
void machine(const struct bench_opts *o); /* the header: the machine, the runs */
#endif
