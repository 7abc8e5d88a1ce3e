/* plumbing.h - Lab 02's plumbing (plumbing.c): the help text, parsing
 * the command line, reading /proc files and the --hold commands; not the
 * lesson. */
#ifndef PID_PLUMBING_H
#define PID_PLUMBING_H
#include "../common/nslab.h"

#include <stddef.h>

enum { NEST_MAX = 32 }; /* the kernel's limit on nested PID namespaces */
/* --mount-proc, --nest N (1 to NEST_MAX) and the common options; or exit 2. */
void parse_args(int argc, char **argv, struct demo_opts *opts, bool *mount_proc, int *nest);
int count_proc_pids(void);		      /* the numbers in /proc */
pid_t descendant(pid_t pid, int generations); /* 0 if none */
/* --hold: wait, showing the commands that look at INNER, the innermost. */
void hold_commands(pid_t child, pid_t inner, bool mount_proc);
#endif
