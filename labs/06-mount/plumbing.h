/* plumbing.h - Lab 06's plumbing (plumbing.c): the command line, mount
 * tables, the scratch directory and its janitor, the --hold commands, and
 * small questions about files and processes; not the lesson. */
#ifndef MOUNT_PLUMBING_H
#define MOUNT_PLUMBING_H
#include "../common/nslab.h"

#include <limits.h>

void parse_args(int argc, char **argv, struct demo_opts *opts, bool *escape,
		bool *hold_before_pivot, char rootfs[PATH_MAX]);

/* The mount on TARGET in table MOUNTINFO: its source and propagation. */
bool mount_at(const char *mountinfo, const char *target, char *source, char *propagation);
int list_mounts(const char *mountinfo, char *list, size_t len); /* the mount points */
/* Steps 4 and 5: is WHERE in the child's table, and (SHOULD_LEAK) ours? */
bool host_sees(const char *child_table, const char *where, bool should_leak);

int start_janitor(char dir[PATH_MAX]); /* makes DIR; removes it if we die; a pidfd */
void remove_scratch_dir(const char *dir);
void forked_child_begin(void); /* child_begin() for a fork()ed child */

bool same_file(const char *a, const char *b);
bool root_is(pid_t pid, const char *dir, const char *what); /* /proc/PID/root */
void hold_with_commands(const struct demo_opts *o, pid_t child, pid_t prisoner, const char *dir);
#endif
