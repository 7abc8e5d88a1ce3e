/*
 * plumbing.c - Lab 11's plumbing, not its lesson (mini_container.c is):
 * the chores around a cgroup, reading /proc, and a minimal /dev; see plumbing.h.
 */
#include "plumbing.h"
#include "../common/cgroup.h"
#include "../common/nstypes.h"
#include "../common/textfile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

int plan_cgroups(struct hierarchy h[2])
{
	static const char *const ctrls[] = { "memory", "pids" };
	char mnt[PATH_MAX];
	char first[PATH_MAX] = "";
	int n = 0;

	for (size_t c = 0; c < sizeof ctrls / sizeof *ctrls; c++) {
		struct hierarchy *x = &h[n];

		if (!cgroup_find(ctrls[c], mnt, x->parent, &x->v1))
			die(ENOENT, "finding the %s controller (no cgroup mount offers it)",
			    ctrls[c]);
		if (strcmp(mnt, first) == 0) { /* cgroup v2: one tree for both */
			snprintf(h[0].ctrls, sizeof h[0].ctrls, "%s %s", ctrls[0], ctrls[c]);
			continue;
		}
		snprintf(first, sizeof first, "%s", mnt);
		snprintf(x->ctrls, sizeof x->ctrls, "%s", ctrls[c]);
		snprintf(x->dir, sizeof x->dir, "%s/nslab-ctr-%d", x->parent, (int)getpid());
		n++;
	}
	return n;
}

int put(const char *dir, const char *file, const char *text, bool optional)
{
	char path[PATH_MAX + 64];
	int err;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	err = write_text(path, text);
	if (err && !optional)
		die(err, "writing \"%s\" to %s", text, path);
	return err;
}

/* Put a v2 parent's cgroup.subtree_control back as we found it: take away
 * the controllers in ADDED ("+memory +pids" written earlier) - but only if
 * no cgroup is below it now.  Another run's would lose its limits. */
static void hand_back(const char *parent, const char *added)
{
	char path[PATH_MAX + 32];
	char minus[64];
	int err;

	if (!*added || cgroup_has_child(parent))
		return;
	snprintf(minus, sizeof minus, "%s", added);
	for (char *p = minus; (p = strchr(p, '+'));)
		*p = '-';
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
	if ((err = write_text(path, minus)) != 0)
		warn_errno(err, "writing \"%s\" to %s", minus, path);
}

void hand_down(const char *parent, const char *ctrls, char *added, size_t len)
{
	char have[256];
	char path[PATH_MAX + 32];
	int err;

	*added = '\0';
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
	if (!file_line(path, have, sizeof have))
		die(errno, "reading %s", path);
	for (const char *const *c = (const char *const[]){ "memory", "pids", NULL }; *c; c++)
		if (strstr(ctrls, *c) && !has_word(have, *c, ' '))
			snprintf(added + strlen(added), len - strlen(added), "%s+%s",
				 *added ? " " : "", *c);
	if (!*added)
		return;
	if ((err = write_text(path, added)) != 0)
		die(err, "writing \"%s\" to %s", added, path);
	note("\"%s\" into %s, first", added, path);
}

bool remove_cgroup(const char *dir, const char *parent, const char *added)
{
	if (!dir) { /* never made (a signal came first): hand back only */
		hand_back(parent, added);
		return true;
	}
	/* Whatever is still there (processes a shell left behind, or one that
	 * entered with nsenter and forked) goes first: labs/common/cgroup.c. */
	if (!cgroup_remove(dir))
		return false;
	hand_back(parent, added);
	return true;
}

void note_counters(const char *dir, bool v1, const char *ctrls)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", dir, v1 ? "memory.oom_control" : "memory.events");
	if (strstr(ctrls, "memory"))
		note("%s: oom_kill %lld", path, file_key(path, "oom_kill"));
	snprintf(path, sizeof path, "%s/pids.events", dir);
	if (strstr(ctrls, "pids"))
		note("%s: max %lld", path, file_key(path, "max"));
}

/* A bind mount made in a user namespace inherits its source's nosuid,
 * nodev, noexec and atime flags locked: a remount must repeat them (or
 * fail with EPERM).  They, as MS_ flags, of the mount PATH is on. */
unsigned long flags_to_keep(const char *path)
{
	static const struct {
		unsigned long st; /* statvfs()'s ST_ flag */
		unsigned long ms; /* mount()'s */
	} map[] = {
		{ ST_NOSUID, MS_NOSUID },	  { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },	  { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long ms = 0;

	if (statvfs(path, &sv) != 0)
		die(errno, "statvfs(\"%s\")", path);
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (sv.f_flag & map[i].st)
			ms |= map[i].ms;
	return ms;
}

/* /proc/PID/ns/TYPE names a namespace as "type:[inode]", and two processes
 * share one exactly when the inodes are equal.  A kernel may lack a type:
 * no "time" before Linux 5.6. */
int compare_namespaces(pid_t pid, char *differ, char *same, size_t len, int *known)
{
	char path[64];
	char ours[64];
	char theirs[64];
	int n = 0;

	*differ = '\0';
	*same = '\0';
	*known = 0;
	for (const struct ns_type *t = ns_types; t < ns_types + NS_TYPES; t++) {
		ssize_t a;
		ssize_t b;
		char *into;

		snprintf(path, sizeof path, "/proc/self/ns/%s", t->name);
		if ((a = readlink(path, ours, sizeof ours - 1)) < 0 && errno == ENOENT)
			continue; /* a type this kernel does not have: no row */
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, t->name);
		b = readlink(path, theirs, sizeof theirs - 1);
		if (a < 0 || b < 0)
			die(errno, "readlink(\"%s\")", path);
		into = a != b || memcmp(ours, theirs, (size_t)a) ? differ : same;
		if (into == differ)
			n++;
		++*known;
		snprintf(into + strlen(into), len - strlen(into), "%s%s", *into ? " " : "",
			 t->name);
	}
	return n;
}

void hold_commands(pid_t child, const struct in_addr *ctr)
{
	char cmd[4][96];

	snprintf(cmd[0], sizeof cmd[0], "sudo lsns -p %d", (int)child);
	snprintf(cmd[1], sizeof cmd[1], "sudo nsenter -t %d -a ps -o pid,comm", (int)child);
	snprintf(cmd[2], sizeof cmd[2], "sudo cat /proc/%d/cgroup /proc/%d/uid_map", (int)child,
		 (int)child);
	snprintf(cmd[3], sizeof cmd[3], "ping -c 1 %s", ctr ? inet_ntoa(*ctr) : "");
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], ctr ? cmd[3] : NULL, NULL });
}

/* Bound, not made with mknod(): see plumbing.h.  Runs in the rootfs. */
void make_dev(void)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	char from[32];
	char to[32];
	int fd;

	if (mount("nslab-dev", "dev", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755,size=64k") != 0)
		die(errno, "mount(\"nslab-dev\", \"dev\", \"tmpfs\")");
	for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
		snprintf(from, sizeof from, "/dev/%s", nodes[i]);
		snprintf(to, sizeof to, "dev/%s", nodes[i]);
		if ((fd = open(to, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0 || close(fd) != 0 ||
		    mount(from, to, NULL, MS_BIND, NULL) != 0)
			die(errno, "mount(\"%s\", \"%s\", MS_BIND)", from, to);
	}
}
