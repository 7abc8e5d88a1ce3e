/* cgroup.h - ending every process in a cgroup, v1 or v2; plumbing shared
 * by Labs 05, 09 and 11, not a lesson. */
#ifndef NSLAB_CGROUP_H
#define NSLAB_CGROUP_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Where controller CTRL ("memory") is: a cgroup2 mount that offers it (in
 * its root's cgroup.controllers), else a v1 hierarchy mounted with it; its
 * mount point in MNT, *V1 which.  PARENT, where a lab makes its cgroup: on
 * v2 the root; on v1 the cgroup this process is in already (the line
 * "N:memory:/path" of /proc/self/cgroup).  False if there is none (or
 * none that its mount point still leads to). */
bool cgroup_find(const char *ctrl, char mnt[PATH_MAX], char parent[PATH_MAX], bool *v1);

/* The line of /proc/PID/cgroup (PID 0: this process) for the v1 hierarchy
 * of controller CTRL ("4:memory:/path"), or, where CTRL is NULL or has no
 * v1 hierarchy, for the cgroup2 tree ("0::/path"); without its newline.
 * False (LINE empty, errno set) if the file cannot be read or has neither. */
bool cgroup_line(pid_t pid, const char *ctrl, char *line, size_t len);
/* The path part of such a line ("/path"), "" if it has none. */
const char *cgroup_line_path(const char *line);

/* Every PID in DIR/cgroup.procs, however many, into *PIDS (malloc()ed; the
 * caller frees it).  The count, or -1 and errno if it cannot be read. */
long cgroup_procs(const char *dir, pid_t **pids);

/* SIGKILL every process in cgroup DIR, and no other, until it is empty or
 * five seconds have passed.  True if it is empty. */
bool cgroup_kill_all(const char *dir);
/* rmdir DIR after cgroup_kill_all(): rmdir fails (EBUSY) while a process
 * is there, and a moment more after the last one has gone.  False, said on
 * stderr with the way to clean up, if the cgroup stays. */
bool cgroup_remove(const char *dir);
/* Is there a cgroup - a directory - in DIR?  True if it cannot tell: a
 * caller about to change DIR then leaves it alone. */
bool cgroup_has_child(const char *dir);
#endif
