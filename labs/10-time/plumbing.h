/* plumbing.h - Lab 10's plumbing (plumbing.c): the command line, how times
 * are printed, the reading of /proc files and the --hold commands; not the
 * lesson. */
#ifndef TIME_PLUMBING_H
#define TIME_PLUMBING_H
#include "../common/nslab.h"

#include <stddef.h>

#define NS 1000000000LL /* nanoseconds in a second */
struct text {
	char s[48];
};
void parse_args(int argc, char **argv, struct demo_opts *opts, long long *offset);
struct text secs(long long ns, bool sign); /* "12.34 s"; SIGN: "+12.34 s" */
struct text wall(long long ns);		   /* "2025-06-01 12:00:00 UTC" */
bool near(long long ns, long long want);   /* within half a second */
/* What a /proc/.../ns/ link names, e.g. "time:[4026532177]". */
struct text ns_link(const char *path);
/* FILE, a /proc/CHILD/timens_offsets, read into SEEN ("monotonic 864000,
 * boottime 864000"); true if both clocks have OFFSET seconds.  (It shows
 * the namespace of CHILD's children: CHILD's own.) */
bool offsets_seen(const char *file, long long offset, char *seen, size_t size);
/* --hold: wait, showing the commands that look at CHILD's clocks. */
void hold_commands(pid_t child, const char *offsets_file);
#endif
