/*
 * cgroup_v1.c - the cgroup v1 dialect of Lab 05 (cgroup_v1.h).  A student
 * may skip it.
 *
 * cgroup_mem_demo.c tells the story in cgroup v2, the single tree that
 * Ubuntu 22.04+ and Debian 11+ run.  A machine that still keeps the
 * memory controller on a cgroup v1 hierarchy (an older distribution, or
 * "hybrid" mode) takes the same steps in v1's words, and the main file
 * calls in here for them (its `if (v1)` lines):
 *
 *   cgroup v2                   cgroup v1
 *   one tree, /sys/fs/cgroup    a tree per controller, /sys/fs/cgroup/memory
 *   memory.max                  memory.limit_in_bytes
 *   memory.swap.max (swap)      memory.memsw.limit_in_bytes (memory + swap)
 *   memory.current, .peak       memory.usage_in_bytes, .max_usage_in_bytes
 *   oom_kill in memory.events   oom_kill in memory.oom_control
 *   cgroup.kill                 a signal to each PID in cgroup.procs
 *   (then, on both, cgroup.procs is read every 20 ms until it is empty)
 *
 * (v1 also has a "tasks" file, which lists threads; cgroup.procs, which
 * lists processes, exists in both and is the one the lab uses.)
 *
 */
#include "cgroup_v1.h"
#include "plumbing.h"
#include "../common/cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The v1 name of a v2 file; a name both share comes back as it is. */
const char *v1_name(const char *v2name)
{
	static const char *const names[][2] = {
		{ "memory.max", "memory.limit_in_bytes" },
		{ "memory.swap.max", "memory.memsw.limit_in_bytes" },
		{ "memory.current", "memory.usage_in_bytes" },
		{ "memory.peak", "memory.max_usage_in_bytes" },
		{ "memory.events", "memory.oom_control" }, /* both count oom_kill */
	};

	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(v2name, names[i][0]) == 0)
			return names[i][1];
	return v2name; /* cgroup.procs, memory.stat */
}

/* Step 1 on v1: a "cgroup" mount whose options include "memory" (they
 * look like "rw,memory"), and as the parent the memory cgroup this
 * process is in already, from the "N:memory:/path" line of
 * /proc/self/cgroup.  WHY holds what was found on v2 and gets the rest.
 * False if there is no v1 memory hierarchy either. */
bool v1_find(char mount[PATH_MAX], char parent[PATH_MAX], char *why, size_t whylen)
{
	char v2part[PATH_MAX + 320];
	bool is_v1 = false;

	if (!cgroup_find("memory", mount, parent, &is_v1) || !is_v1) {
		mount[0] = '\0';
		return false;
	}
	snprintf(v2part, sizeof v2part, "%s", why);
	snprintf(why, whylen, "%s, so using the v1 memory hierarchy at %s", v2part, mount);
	return true;
}

/* Step 3 on v1: memory.memsw.limit_in_bytes limits memory + swap
 * together, so setting it to the memory limit leaves no room for swap.
 * It may never be below memory.limit_in_bytes - written first, it fails
 * with EINVAL - which is why it comes second. */
void v1_keep_swap_out(const char *cg, const char *limit)
{
	char path[PATH_MAX + 64];
	int err;

	in_cg(path, sizeof path, cg, "memory.memsw.limit_in_bytes");
	if ((err = write_file(path, limit)) == ENOENT)
		note("NOTE: no memory.memsw.limit_in_bytes (swap accounting off), so swap is NOT\n"
		     "    excluded; on a machine with swap the child may be slowed down instead\n"
		     "    of killed");
	else if (err)
		die(err, "writing %s to %s", limit, path);
	else
		note("write %s to memory.memsw.limit_in_bytes: swap cannot stretch the limit",
		     limit);
}
