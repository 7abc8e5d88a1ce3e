/* external.c - the figures of programs nsbench runs; see external.h. */
#include "external.h"
#include "../common/cgroup.h"
#include "../common/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ROOT and its descendants, found through /proc/PID/task/PID/children;
 * *FOUND is one of them whose command is COMM (or 0). */
static int family(pid_t root, pid_t *out, int max, const char *comm, pid_t *found)
{
	char path[64];
	char name[32];
	int n = 1;
	int more;

	out[0] = root;
	*found = 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/proc/%d/comm", (int)out[i]);
		if (i > 0 && file_line(path, name, sizeof name) && strcmp(name, comm) == 0)
			*found = out[i];
		if ((more = proc_children(out[i], out + n, max - n)) > 0)
			n += more;
	}
	return n;
}

/* The memory cgroup PID is in: its memory.current (v2) or
 * memory.usage_in_bytes (v1), in KiB; -1 if it has none of its own. */
static double cgroup_kib(pid_t pid)
{
	char path[PATH_MAX];
	char line[PATH_MAX / 2];
	long long bytes;
	bool v1;

	if (!cgroup_line(pid, "memory", line, sizeof line) ||
	    strcmp(cgroup_line_path(line), "/") == 0)
		return -1; /* none, or the root's: not a cgroup of its own */
	v1 = strncmp(line, "0::", 3) != 0;
	snprintf(path, sizeof path, "/sys/fs/cgroup%s%s/%s", v1 ? "/memory" : "",
		 cgroup_line_path(line), v1 ? "memory.usage_in_bytes" : "memory.current");
	bytes = file_number(path);
	return bytes >= 0 ? (double)bytes / 1024 : -1;
}

/* Once a process called COMM runs below PID (polled for 10 s): the PSS
 * and RSS of PID and all its descendants, and their memory cgroup's
 * usage.  False if COMM never ran. */
static bool tree_memory(pid_t pid, const char *comm, double *pss, double *rss, double *cgroup)
{
	pid_t pids[64];
	pid_t found = 0;
	char path[64];
	int n = 0;
	int st;

	for (int tries = 0; tries < 500 && !found && !nslab_interrupted; tries++) {
		n = family(pid, pids, 64, comm, &found);
		if (!found && waitpid(pid, &st, WNOHANG) != 0)
			return false;
		if (!found)
			usleep(20000);
	}
	*pss = 0;
	*rss = 0;
	for (int i = 0; i < n; i++) {
		long pss_kib;
		long rss_kib;

		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pids[i]);
		pss_kib = proc_kib(path, ":Pss:");
		rss_kib = proc_kib(path, ":Rss:");
		*pss += pss_kib > 0 ? pss_kib : 0; /* a process gone meanwhile: -1 */
		*rss += rss_kib > 0 ? rss_kib : 0;
	}
	*cgroup = found ? cgroup_kib(found) : -1;
	return found;
}

const char *container_memory(char *const argv[], samples *s, int rounds)
{
	/* Without the kernel's lists of children the container's processes
	 * cannot be found: say so, not "did not start" after 10 s. */
	if (proc_children(getpid(), NULL, 0) < 0)
		return "no /proc/PID/task/PID/children (CONFIG_PROC_CHILDREN)";
	for (int r = 0; r < rounds && !nslab_interrupted; r++) {
		pid_t pid = start(argv, -1, true);
		bool ok = tree_memory(pid, "sleep", &s[0][r], &s[1][r], &s[2][r]);

		reap(pid, SIGTERM); /* it tidies up, as on Ctrl-C */
		if (!ok)
			return "its command did not start";
		if (s[2][r] < 0)
			return "it is not in a memory cgroup of its own";
	}
	return NULL;
}

int vm_boots(int runs, int timeout, samples *s, char *said, size_t len)
{
	char tool[PATH_MAX];
	char runs_arg[16];
	char timeout_arg[16];
	char line[512];
	char *argv[] = { lab_path("../../tools/vm-boot", tool, sizeof tool), runs_arg, timeout_arg,
			 NULL };
	int out[2];
	int n = 0;
	int st;
	FILE *f;
	pid_t pid;

	snprintf(runs_arg, sizeof runs_arg, "%d", runs);
	snprintf(timeout_arg, sizeof timeout_arg, "%d", timeout);
	if (pipe2(out, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	pid = start(argv, out[1], false);
	close(out[1]);
	f = fdopen(out[0], "r");
	if (!f)
		die(errno, "fdopen(pipe)");
	said[0] = 0;
	while (!nslab_interrupted && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (n < runs && sscanf(line, "boot %lf %lf %lf", &s[0][n], &s[1][n], &s[2][n]) == 3)
			n++;
		else
			snprintf(said, len, "%s", line);
	}
	fclose(f);
	st = reap(pid, 0);
	if (!nslab_interrupted && strncmp(said, "skip ", 5) != 0 &&
	    (st != 0 || n == 0 || strncmp(said, "accel ", 6) != 0)) {
		fprintf(stderr, "nsbench: %s: wait status %d, last said '%s'\n", tool, st, said);
		die_exit();
	}
	return n;
}
