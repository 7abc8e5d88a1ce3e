/*
 * plumbing.c - Lab 09's command line, and the reading of /proc and cgroup
 * files that the story in cgroupns_demo.c relies on.  Not the lesson.
 */
#include "../common/cgroup.h"
#include "../common/mountinfo.h"
#include "plumbing.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: cgroupns_demo [OPTION]...\n"
	"Lab 09: move a child into a cgroup of its own, give it a new\n"
	"cgroup namespace, and compare what it sees - /proc/self/cgroup, a cgroup\n"
	"file system mounted inside - with what the host sees (cgroup v2, and\n"
	"v1's memory hierarchy too where the memory controller is on v1).\n"
	"It takes only the options every lab has.\n";

void parse_args(int argc, char **argv, struct demo_opts *opts)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS, { 0 } };
	int c;

	demo_begin("cgroupns_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1)
		demo_common_option(c, opts);
	demo_check_opts(opts, argv[optind]);
}

/* The first mount of file system type FSTYPE (with OPTION among its super
 * options, unless NULL) that its mount point still leads to: its mount
 * point in MNT, those options in FSOPTS.  A cgroup mount hidden by another
 * (an empty tmpfs over /sys/fs/cgroup) does not count. */
bool cgroup_mount_of(const char *fstype, const char *option, char mnt[PATH_MAX], char *fsopts,
		     size_t len)
{
	FILE *f = mountinfo_open("/proc/self/mountinfo");
	struct mount_entry m;
	bool found = false;

	while (!found && mountinfo_next(f, &m)) {
		if (strcmp(m.fstype, fstype) != 0 || (option && !has_word(m.super, option, ',')) ||
		    !mountinfo_reachable(&m))
			continue;
		snprintf(mnt, PATH_MAX, "%s", m.point);
		snprintf(fsopts, len, "%s", m.super);
		found = true;
	}
	fclose(f);
	return found;
}

/* The memory cgroup this process is in (v1): "/path" of "N:memory:/path",
 * to append to the hierarchy's mount point, or "" for the root. */
const char *own_memory_cgroup(void)
{
	static char line[PATH_MAX + 64];
	const char *path;

	if (!cgroup_line(0, "memory", line, sizeof line))
		die(errno, "finding the memory line in /proc/self/cgroup");
	path = cgroup_line_path(line);
	return strcmp(path, "/") ? path : "";
}

/* scandir()'s filter: a cgroup's cgroups are its subdirectories. */
static int is_cgroup_dir(const struct dirent *e)
{
	return e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

/* How many cgroups are right below DIR (-1 if it cannot be read). */
int count_cgroups(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, is_cgroup_dir, NULL);

	for (int i = 0; i < n; i++)
		free(list[i]);
	if (n >= 0)
		free(list);
	return n;
}

/* The PIDs in DIR's cgroup.procs, as "12 34" in BUF ("none" if empty).
 * The number of PIDs. */
int list_procs(const char *dir, char *buf, size_t len)
{
	pid_t *pids;
	long n = cgroup_procs(dir, &pids);
	size_t used = 0;

	snprintf(buf, len, "none");
	for (long i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, i ? " %d" : "%d", (int)pids[i]);
	free(pids);
	return n > 0 ? (int)n : 0;
}

/* Before CG's own rmdir: remove the cgroups below it (a --shell may have
 * made some), each emptied first (labs/common/cgroup.c). */
void clear_cgroup(const char *cg)
{
	char path[PATH_MAX + 320];
	struct dirent **list;
	int n = scandir(cg, &list, is_cgroup_dir, NULL);

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", cg, list[i]->d_name);
		clear_cgroup(path);
		cgroup_remove(path);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

/* --hold: what to try from a second terminal, the child's PID filled in. */
void hold_commands(pid_t child, const char *mnt)
{
	char cmd[5][PATH_MAX + 64];
	int pid = (int)child;

	snprintf(cmd[0], sizeof cmd[0], "cat /proc/%d/cgroup", pid);
	snprintf(cmd[1], sizeof cmd[1], "sudo nsenter -t %d -C cat /proc/%d/cgroup", pid, pid);
	snprintf(cmd[2], sizeof cmd[2], "sudo nsenter -t %d -C cat /proc/self/cgroup", pid);
	snprintf(cmd[3], sizeof cmd[3], "sudo ls /proc/%d/root%s", pid, mnt);
	snprintf(cmd[4], sizeof cmd[4], "grep nslab-cgns /proc/%d/mountinfo", pid);
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], cmd[3], cmd[4], NULL });
}
