/* plumbing.h - Lab 10's plumbing (plumbing.c): the command line, and how
 * times are printed; not the lesson. */
#ifndef TIME_PLUMBING_H
#define TIME_PLUMBING_H
#include "../common/nslab.h"

#define NS 1000000000LL /* nanoseconds in a second */
struct text {
	char s[48];
};
void parse_args(int argc, char **argv, struct demo_opts *opts, long long *offset);
struct text secs(long long ns, bool sign);			 /* "12.34 s"; SIGN: "+12.34 s" */
struct text wall(long long ns);					 /* "2025-06-01 12:00:00 UTC" */
bool near(long long ns, long long want);			 /* within half a second */
noreturn void fail(int err, const char *call, const char *hint); /* die(), our hint */
#endif
