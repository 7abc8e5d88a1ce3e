/* cgroup.h - ending every process in a cgroup, v1 or v2; plumbing shared
 * by Labs 05, 09 and 11, not a lesson. */
#ifndef NSLAB_CGROUP_H
#define NSLAB_CGROUP_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Every PID in DIR/cgroup.procs, however many, into *PIDS (malloc()ed; the
 * caller frees it).  The count, or -1 and errno if it cannot be read. */
long cgroup_procs(const char *dir, pid_t **pids);

/* SIGKILL every process in cgroup DIR, and no other, until it is empty or
 * five seconds have passed.  True if it is empty. */
bool cgroup_kill_all(const char *dir);
#endif
