/*
 * plumbing.c - Lab 05's plumbing, not its lesson (declared in plumbing.h):
 * the cgroup2 mounts and --parent, --shell and --hold, the counters shown
 * in step 6.  A student may skip it.
 */
#include "plumbing.h"
#include "cgroup_v1.h"
#include "../common/cgroup.h"
#include "../common/mountinfo.h"
#include "../common/textfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

/* "CG/NAME" in BUF. */
const char *in_cg(char *buf, size_t len, const char *cg, const char *name)
{
	snprintf(buf, len, "%s/%s", cg, name);
	return buf;
}

/* Each cgroup2 mount (MNT), with the controllers it offers: the words of
 * its cgroup.controllers, in CONTROLLERS ("(nothing)" if none). */
bool next_cgroup2(FILE *mountinfo, char mnt[PATH_MAX], char *controllers, size_t len)
{
	char path[PATH_MAX + 32];
	struct mount_entry m;

	while (mountinfo_next(mountinfo, &m)) {
		snprintf(path, sizeof path, "%s/cgroup.controllers", m.point);
		if (strcmp(m.fstype, "cgroup2") == 0 && file_line(path, controllers, len)) {
			snprintf(mnt, PATH_MAX, "%s", m.point);
			if (!controllers[0])
				snprintf(controllers, len, "(nothing)");
			return true;
		}
	}
	return false;
}

/* --parent must be a directory of the hierarchy found in step 1; a wrong
 * one is a usage error, before anything is created.  Its real path. */
const char *check_parent(const char *opt, const char *mount)
{
	static char real[PATH_MAX];
	struct statfs sf;
	size_t mlen = strlen(mount);

	if (!realpath(opt, real))
		usage_error("--parent '%s': %s", opt, strerror(errno));
	if (statfs(real, &sf) != 0 ||
	    (sf.f_type != CGROUP2_SUPER_MAGIC && sf.f_type != CGROUP_SUPER_MAGIC))
		usage_error("--parent '%s' is not a cgroup directory", opt);
	if (strncmp(real, mount, mlen) != 0 || (real[mlen] && real[mlen] != '/'))
		usage_error("--parent '%s' is not in the memory hierarchy (%s)", opt, mount);
	return real;
}

/* Step 4's evidence: the kernel's own record of where PID is, the line of
 * /proc/PID/cgroup that names our cgroup ("0::/path" on v2,
 * "N:memory:/path" on v1). */
void note_proc_cgroup(pid_t pid)
{
	char line[PATH_MAX + 64];

	if (!cgroup_line(pid, "memory", line, sizeof line))
		die(errno, "reading /proc/%d/cgroup", (int)pid);
	if (strstr(line, "nslab-mem-"))
		note("/proc/%d/cgroup says %s", (int)pid, line);
}

/* --shell: a shell inside the cgroup instead of the allocator. */
void exec_shell(void)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";

	note("starting %s inside the cgroup; try `cat /proc/self/cgroup`, then `exit`", sh);
	execl(sh, sh, (char *)NULL);
	die(errno, "execl(\"%s\")", sh);
}

/* --hold: the child has ended; keep the cgroup and show how to read its
 * counters.  Without memory.peak (PEAK false), memory.stat instead. */
void hold_cgroup(const char *cg, bool v1, bool peak)
{
	const char *names[] = { "memory.events", "memory.max",
				peak ? "memory.peak" : "memory.stat" };
	char cmd[3][PATH_MAX + 96];

	for (int i = 0; i < 3; i++)
		snprintf(cmd[i], sizeof cmd[i], "sudo cat %s/%s", cg,
			 v1 ? v1_name(names[i]) : names[i]);
	hold(0, (const char *const[]){ cmd[0], cmd[1], cmd[2], NULL });
}

/* Step 6's counters.  v2: in memory.events, oom (how often the usage
 * reached the limit and an allocation was about to fail) and oom_kill;
 * v1: oom_kill in memory.oom_control.  Then the peak usage, also as text
 * in PEAK - "n/a" where there is no memory.peak: it came with Linux 5.19,
 * and Ubuntu 22.04 runs 5.15.  (v1 has memory.max_usage_in_bytes.) */
void note_counters(const char *cg, bool v1, char *peak, size_t len)
{
	char p[PATH_MAX + 64];
	long long oom;
	long long bytes;

	if (v1) {
		note("memory.oom_control: oom_kill %lld",
		     file_key(in_cg(p, sizeof p, cg, "memory.oom_control"), "oom_kill"));
	} else {
		oom = file_key(in_cg(p, sizeof p, cg, "memory.events"), "oom");
		note("memory.events: oom %lld, oom_kill %lld", oom, file_key(p, "oom_kill"));
	}
	bytes = file_number(
		in_cg(p, sizeof p, cg, v1 ? "memory.max_usage_in_bytes" : "memory.peak"));
	if (bytes < 0 && (v1 || errno != ENOENT))
		die(errno, "reading %s", p);
	if (bytes < 0) {
		snprintf(peak, len, "n/a");
		note("memory.peak: n/a (this kernel has no such file; it came with Linux 5.19)");
		return;
	}
	fmt_size((unsigned long long)bytes, peak, len);
	note("%s: %lld (%s)", v1 ? "memory.max_usage_in_bytes" : "memory.peak", bytes, peak);
}
