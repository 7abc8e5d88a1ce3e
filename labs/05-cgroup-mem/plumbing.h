/* plumbing.h - Lab 05's plumbing (plumbing.c); not the lesson. */
#ifndef CGMEM_PLUMBING_H
#define CGMEM_PLUMBING_H
#include "../common/args.h"
#include "../common/nslab.h"

#include <limits.h>
#include <stdio.h>

/* Each cgroup2 mount of MOUNTINFO, with the controllers it offers. */
bool next_cgroup2(FILE *mountinfo, char mnt[PATH_MAX], char *controllers, size_t len);
/* --parent, checked against the hierarchy at MOUNT: its real path. */
const char *check_parent(const char *opt, const char *mount);
void note_proc_cgroup(pid_t pid);		      /* step 4's evidence, from /proc/PID/cgroup */
void exec_shell(void);				      /* --shell */
void hold_cgroup(const char *cg, bool v1, bool peak); /* --hold */
void note_counters(const char *cg, bool v1, char *peak, size_t len);	    /* step 6 */
const char *in_cg(char *buf, size_t len, const char *cg, const char *name); /* "CG/NAME" */

/* In cgroup_mem_demo.c, where writing a cgroup file is the lesson. */
int write_file(const char *path, const char *s);
#endif
