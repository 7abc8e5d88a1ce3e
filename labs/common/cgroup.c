/* cgroup.c - the cgroup plumbing described in cgroup.h. */
#include "cgroup.h"
#include "mountinfo.h"
#include "nslab.h"
#include "textfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Does the cgroup2 tree mounted at POINT offer CTRL? */
static bool offers(const char *point, const char *ctrl)
{
	char path[PATH_MAX + 32];
	char list[256];

	snprintf(path, sizeof path, "%s/cgroup.controllers", point);
	return file_line(path, list, sizeof list) && has_word(list, ctrl, ' ');
}

bool cgroup_line(pid_t pid, const char *ctrl, char *line, size_t len)
{
	char path[64];
	char buf[PATH_MAX + 64];
	FILE *f;

	*line = '\0';
	snprintf(path, sizeof path, pid ? "/proc/%d/cgroup" : "/proc/self/cgroup", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(buf, sizeof buf, f)) {
		char *ctrls = strchr(buf, ':'); /* "4:memory:/path": ":memory:/path" */
		char *rest = ctrls ? strchr(ctrls + 1, ':') : NULL;
		bool v1;
		bool v2;

		if (!rest)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		*rest = '\0'; /* for a moment: the controllers alone */
		v1 = ctrl && has_word(ctrls + 1, ctrl, ',');
		v2 = strncmp(buf, "0:", 2) == 0 && ctrls[1] == '\0';
		*rest = ':';
		if (v1 || (v2 && !*line))
			snprintf(line, len, "%s", buf);
		if (v1)
			break;
	}
	fclose(f);
	if (!*line)
		errno = ENOENT;
	return *line != '\0';
}

const char *cgroup_line_path(const char *line)
{
	const char *colon = strchr(line, ':');

	colon = colon ? strchr(colon + 1, ':') : NULL;
	return colon ? colon + 1 : "";
}

bool cgroup_find(const char *ctrl, char mnt[PATH_MAX], char parent[PATH_MAX], bool *v1)
{
	FILE *f = mountinfo_open("/proc/self/mountinfo");
	struct mount_entry m;
	char line[PATH_MAX];

	*mnt = '\0';
	while (!*mnt && mountinfo_next(f, &m)) {
		/* (stat() only cgroup mounts: stat() on an autofs point mounts it.) */
		if (strncmp(m.fstype, "cgroup", 6) != 0 || !mountinfo_reachable(&m))
			continue; /* not a cgroup mount, or one hidden by a later mount */
		if (strcmp(m.fstype, "cgroup2") == 0 && offers(m.point, ctrl)) {
			snprintf(mnt, PATH_MAX, "%s", m.point);
			*v1 = false;
		} else if (strcmp(m.fstype, "cgroup") == 0 && has_word(m.super, ctrl, ',')) {
			snprintf(mnt, PATH_MAX, "%s", m.point);
			*v1 = true;
		}
	}
	fclose(f);
	if (!*mnt)
		return false;
	/* On v1, under the cgroup we are in already: "/path" of "4:memory:/path". */
	if (!*v1 || !cgroup_line(0, ctrl, line, sizeof line) ||
	    strcmp(cgroup_line_path(line), "/") == 0)
		line[0] = '\0';
	snprintf(parent, PATH_MAX, "%.*s%.*s", PATH_MAX / 2, mnt, PATH_MAX / 2 - 1,
		 cgroup_line_path(line));
	return true;
}

enum { BATCH = 256 /* pidfds open at once: well under the usual 1024 */ };

long cgroup_procs(const char *dir, pid_t **pids)
{
	char path[PATH_MAX + 16];
	size_t n = 0;
	size_t cap = 64;
	pid_t *v = malloc(cap * sizeof *v);
	pid_t *bigger;
	long pid;
	FILE *f;

	*pids = NULL;
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	if (!v)
		return -1;
	if (!(f = fopen(path, "re"))) {
		free(v);
		return -1;
	}
	/* Read line by line, not into a fixed buffer: a cgroup may hold
	 * thousands of processes, and half a PID is another process's PID. */
	while (fscanf(f, "%ld", &pid) == 1) {
		if (n == cap) {
			cap *= 2;
			if (!(bigger = realloc(v, cap * sizeof *v))) {
				free(v);
				fclose(f);
				return -1;
			}
			v = bigger;
		}
		v[n++] = (pid_t)pid;
	}
	fclose(f);
	*pids = v;
	return (long)n;
}

static int by_number(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a;
	pid_t y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* SIGKILL those of PIDS[0..N) still in DIR.  A PID read a moment ago may
 * since have ended and been given to a process outside: so each is first
 * held by a pidfd, then DIR is read again, and only a process still listed
 * there is signalled - through its pidfd, which names the process we held
 * (if that one has ended meanwhile, the signal fails and reaches nobody). */
static void kill_batch(const char *dir, const pid_t *pids, long n)
{
	int fds[BATCH];
	pid_t *now;
	long m;

	for (long i = 0; i < n; i++)
		fds[i] = pidfd_for(pids[i]); /* -1: ended already */
	if ((m = cgroup_procs(dir, &now)) > 0) {
		qsort(now, (size_t)m, sizeof *now, by_number);
		for (long i = 0; i < n; i++)
			if (fds[i] >= 0 &&
			    bsearch(&pids[i], now, (size_t)m, sizeof *now, by_number))
				pidfd_signal(fds[i], SIGKILL);
	}
	free(now);
	for (long i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

bool cgroup_remove(const char *dir)
{
	int tries = 0;
	int err;

	cgroup_kill_all(dir);
	while ((err = rmdir(dir) ? errno : 0) == EBUSY && tries++ < 250)
		poll(NULL, 0, 20);
	if (err)
		fprintf(stderr, "%s: rmdir(\"%s\") failed: %s; try: sudo tools/nslab-clean --yes\n",
			nslab_prog, dir, strerror(err));
	return !err;
}

bool cgroup_kill_all(const char *dir)
{
	char path[PATH_MAX + 16];
	pid_t *pids;
	long n = -1;
	int fd;

	/* cgroup v2 (Linux 5.14+) ends them all in one write, in the kernel. */
	snprintf(path, sizeof path, "%s/cgroup.kill", dir);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
		if (write(fd, "1", 1) != 1)
			warn_errno(errno, "writing 1 to %s", path);
		close(fd);
	}
	/* Killed processes leave the list in milliseconds; 250 looks of 20 ms.
	 * cgroup.procs is opened afresh each time: an open one keeps its list. */
	for (int tries = 0; tries < 250; tries++) {
		if ((n = cgroup_procs(dir, &pids)) <= 0) {
			free(pids);
			break;
		}
		for (long i = 0; i < n; i += BATCH)
			kill_batch(dir, pids + i, n - i < BATCH ? n - i : BATCH);
		free(pids);
		poll(NULL, 0, 20);
	}
	return n <= 0;
}

bool cgroup_has_child(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return true; /* cannot tell: leave DIR alone */
	while (!found && (e = readdir(d)))
		found = e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 &&
			strcmp(e->d_name, "..") != 0;
	closedir(d);
	return found;
}
