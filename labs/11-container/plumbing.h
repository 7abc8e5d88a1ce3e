/* plumbing.h - Lab 11's plumbing, not its lesson (mini_container.c is): the
 * chores around a cgroup (writing its files, handing controllers down and
 * back on v2, its counters, removing it), reading /proc, and a minimal
 * /dev. */
#ifndef LAB11_PLUMBING_H
#define LAB11_PLUMBING_H
#include "../common/nslab.h"

#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>

/* Where our cgroup lives: one directory on cgroup v2, whose single tree
 * has both controllers; on a v1 host, one in the memory tree and one in
 * the pids tree. */
struct hierarchy {
	bool v1;
	bool made;
	char ctrls[16];		 /* "memory pids", "memory" or "pids" */
	char parent[PATH_MAX];	 /* where our cgroup is made */
	char dir[PATH_MAX + 32]; /* PARENT/nslab-ctr-PID */
	char added[32];		 /* v2: what we enabled in PARENT's subtree_control */
};
/* Fill H for the memory and pids controllers: how many hierarchies, 1 or
 * 2.  The demo dies if a controller is nowhere. */
int plan_cgroups(struct hierarchy h[2]);

/* Write TEXT to DIR/FILE in one write(), as cgroup and /proc files want
 * it; a refusal is an error unless OPTIONAL.  The errno, or 0. */
int put(const char *dir, const char *file, const char *text, bool optional);

/* v2: a parent hands a controller down to its children once "+NAME" is in
 * its cgroup.subtree_control.  Write those of CTRLS ("memory pids") that
 * are missing (a root cgroup may: it is exempt from "no processes in inner
 * nodes"), and say which in ADDED (LEN bytes), for remove_cgroup(). */
void hand_down(const char *parent, const char *ctrls, char *added, size_t len);
/* rmdir DIR, a cgroup, after killing what is in it: it fails (EBUSY) while
 * a process is there, and a moment more after the last one was killed.
 * False, said on stderr, if it stays; else PARENT's subtree_control loses
 * ADDED again, unless another cgroup is below it (DIR NULL: that only). */
bool remove_cgroup(const char *dir, const char *parent, const char *added);
/* Step 13: what the cgroup counted - OOM kills (memory.events on v2,
 * memory.oom_control on v1), and forks refused at pids.max. */
void note_counters(const char *dir, bool v1, const char *ctrls);

/* The flags a remount of the mount PATH is on must repeat; see plumbing.c. */
unsigned long flags_to_keep(const char *path);
/* Which of PID's namespaces differ from ours (their names into DIFFER) and
 * which are the same (into SAME), LEN bytes each: how many differ; *KNOWN
 * is how many types this kernel has. */
int compare_namespaces(pid_t pid, char *differ, char *same, size_t len, int *known);
/* Step 9: a minimal /dev, a tmpfs with a few of the host's device nodes
 * bound onto empty files in it (a user namespace may not mknod, but it may
 * bind: one way serves both kinds of run).  The tmpfs itself is nodev: a
 * node made in it later opens nothing; each bind mount has its own flags. */
void make_dev(void);
/* --hold: what to try from a second terminal (ping CTR unless NULL). */
void hold_commands(pid_t child, const struct in_addr *ctr);
#endif
