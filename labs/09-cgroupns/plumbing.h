/* plumbing.h - Lab 09's plumbing (plumbing.c): the options, reading
 * /proc and cgroup files, the --hold list; not the lesson. */
#ifndef CGNS_PLUMBING_H
#define CGNS_PLUMBING_H
#include "../common/nslab.h"

#include <limits.h>
#include <stdnoreturn.h>
#include <sys/types.h>

void parse_args(int argc, char **argv, struct demo_opts *opts);
bool cgroup_mount_of(const char *fstype, const char *option, char mnt[PATH_MAX], char *fsopts,
		     size_t len);
const char *own_memory_cgroup(void);
int count_cgroups(const char *dir);
int list_procs(const char *dir, char *buf, size_t len);
void clear_cgroup(const char *cg);
void hold_commands(pid_t child, const char *mnt);
#endif
