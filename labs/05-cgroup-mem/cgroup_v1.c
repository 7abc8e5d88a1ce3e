/*
 * cgroup_v1.c - Lab 05's second file: the cgroup v1 dialect, and what is
 * not the lesson.  A student may skip it.
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
 *   "populated 0" in            cgroup.procs read until it is empty
 *     cgroup.events (POLLPRI)     (v1 sends no notice)
 *
 * (v1 also has a "tasks" file, which lists threads; cgroup.procs, which
 * lists processes, exists in both and is the one the lab uses.)
 *
 * Then come the options, --shell and --hold, the counters shown in step
 * 6, waiting for a cgroup to empty, and the plumbing: sizes such as
 * "32M", reading a number or a "key value" line from a cgroup file,
 * looking for child cgroups.
 */
#include "../common/nslab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

/* From cgroup_mem_demo.c, where writing a cgroup file is the lesson. */
int write_file(const char *path, const char *s);

/* Declared here for the v1 part; defined with the plumbing below. */
int read_str(const char *path, char *buf, size_t len);
long long read_num(const char *path);
long long read_key(const char *path, const char *key);
void fmt_size(unsigned long long n, char *buf, size_t len);

/* "CG/NAME" in BUF. */
static const char *in_cg(char *buf, size_t len, const char *cg, const char *name)
{
	snprintf(buf, len, "%s/%s", cg, name);
	return buf;
}

/* ---- the v1 dialect ------------------------------------------------------ */

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

/* Each mount in /proc/self/mountinfo: field 5 is the mount point; after
 * " - " come the filesystem type, the source and the super options. */
static bool next_mount(FILE *f, char mnt[PATH_MAX], char fstype[64], char options[512])
{
	char line[4096], *sep;

	while (fgets(line, sizeof line, f))
		if ((sep = strstr(line, " - ")) &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    sscanf(sep + 3, "%63s %*s %511s", fstype, options) == 2)
			return true;
	return false;
}

/* Step 1 on v1: a "cgroup" mount whose options include "memory" (they
 * look like "rw,memory"), and as the parent the memory cgroup this
 * process is in already, from the "N:memory:/path" line of
 * /proc/self/cgroup.  WHY holds what was found on v2 and gets the rest.
 * False if there is no v1 memory hierarchy either. */
bool v1_find(char mount[PATH_MAX], char parent[PATH_MAX], char *why, size_t whylen)
{
	char mnt[PATH_MAX], fstype[64], options[512], line[PATH_MAX + 64], v2part[PATH_MAX + 320];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		die(errno, "fopen(\"/proc/self/mountinfo\")");
	while (!mount[0] && next_mount(f, mnt, fstype, options)) {
		if (strcmp(fstype, "cgroup") != 0)
			continue;
		for (char *o = strtok(options, ","); o; o = strtok(NULL, ","))
			if (strcmp(o, "memory") == 0)
				snprintf(mount, PATH_MAX, "%s", mnt);
	}
	fclose(f);
	if (!mount[0])
		return false;
	snprintf(v2part, sizeof v2part, "%s", why);
	snprintf(why, whylen, "%s, so using the v1 memory hierarchy at %s", v2part, mount);

	if (!(f = fopen("/proc/self/cgroup", "r")))
		die(errno, "fopen(\"/proc/self/cgroup\")");
	snprintf(parent, PATH_MAX, "%s", mount);
	while (fgets(line, sizeof line, f)) {
		char *ctrls = strchr(line, ':'), *path;

		if (!ctrls || !(path = strchr(ctrls + 1, ':')))
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		for (char *c = strtok(ctrls + 1, ","); c; c = strtok(NULL, ","))
			if (strcmp(c, "memory") == 0)
				snprintf(parent, PATH_MAX, "%s%s", mount,
					 strcmp(path, "/") ? path : "");
	}
	fclose(f);
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

/* ---- not the lesson ------------------------------------------------------- */

const char usage[] =
	"Usage: cgroup_mem_demo [OPTION]...\n"
	"Lab 05: put a child in a memory cgroup with a limit, let it allocate past\n"
	"the limit, and watch the OOM killer end it (cgroup v2 or v1).\n\n"
	"      --limit SIZE   the memory limit (default: 32M; 4K to 1G)\n"
	"      --alloc SIZE   how much the child allocates (default: 4 x the limit;\n"
	"                     at most 8G). Under the limit, it exits 0: the control run\n"
	"      --step SIZE    allocate in chunks of SIZE (default: 4M)\n"
	"      --parent DIR   create the cgroup under DIR instead of the default\n"
	"SIZE is a whole number of bytes with an optional K, M or G (powers of 1024).\n"
	"With --hold the cgroup and its counters are kept after the child ends;\n"
	"with --shell a shell runs inside the cgroup instead of the allocator.\n";

#define KiB (1024ULL)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

/* "32M" -> 33554432: whole numbers only, with an optional K, M or G
 * (powers of 1024).  Anything else is a usage error naming OPT. */
static unsigned long long parse_size(const char *opt, const char *s, unsigned long long min,
				     unsigned long long max)
{
	unsigned long long n = 0, mult = 1;
	const char *p = s;
	char minb[32], maxb[32];

	fmt_size(min, minb, sizeof minb);
	fmt_size(max, maxb, sizeof maxb);
	if (!isdigit((unsigned char)*p))
		usage_error("%s takes a size such as 32M, not '%s'", opt, s);
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (ULLONG_MAX - 9) / 10)
			usage_error("%s '%s' is far too large (at most %s)", opt, s, maxb);
		n = n * 10 + (unsigned)(*p - '0');
	}
	switch (toupper((unsigned char)*p)) {
	case '\0':
		break;
	case 'K':
		mult = KiB;
		p++;
		break;
	case 'M':
		mult = MiB;
		p++;
		break;
	case 'G':
		mult = GiB;
		p++;
		break;
	default:
		usage_error("%s takes a size such as 32M (suffix K, M or G), not '%s'", opt, s);
	}
	if (*p)
		usage_error("%s takes a size such as 32M, not '%s'", opt, s);
	if (n > max / mult || n * mult > max)
		usage_error("%s %s is too large: at most %s", opt, s, maxb);
	if (n * mult < min)
		usage_error("%s %s is too small: at least %s", opt, s, minb);
	return n * mult;
}

/* The options.  The bounds are a teaching kit's: a typo must not try to
 * fill the machine. */
void parse_options(int argc, char **argv, struct demo_opts *o, unsigned long long *limit,
		   unsigned long long *alloc, unsigned long long *chunk, const char **parent)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "limit", required_argument, NULL, 'l' },
						  { "alloc", required_argument, NULL, 'a' },
						  { "step", required_argument, NULL, 's' },
						  { "parent", required_argument, NULL, 'p' },
						  { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			*limit = parse_size("--limit", optarg, 4 * KiB, 1 * GiB);
			break;
		case 'a':
			*alloc = parse_size("--alloc", optarg, 4 * KiB, 8 * GiB);
			break;
		case 's':
			*chunk = parse_size("--step", optarg, 4 * KiB, 8 * GiB);
			break;
		case 'p':
			if (!*optarg)
				usage_error("--parent needs a cgroup directory");
			*parent = optarg;
			break;
		default:
			demo_common_option(c, o);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(o);
	if (!*alloc)
		*alloc = 4 * *limit;
	if (*chunk > *alloc)
		*chunk = *alloc;
}

/* Is there a cgroup - a directory - in DIR? */
bool has_child_cgroup(const char *dir)
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

/* Each cgroup2 mount (MNT), with the controllers it offers: the words of
 * its cgroup.controllers, in CONTROLLERS ("(nothing)" if none). */
bool next_cgroup2(FILE *mountinfo, char mnt[PATH_MAX], char *controllers, size_t len)
{
	char fstype[64], options[512], path[PATH_MAX + 32];

	while (next_mount(mountinfo, mnt, fstype, options)) {
		snprintf(path, sizeof path, "%s/cgroup.controllers", mnt);
		if (strcmp(fstype, "cgroup2") == 0 && read_str(path, controllers, len) == 0) {
			controllers[strcspn(controllers, "\n")] = '\0';
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
	char path[64], line[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	if (!(f = fopen(path, "r")))
		die(errno, "fopen(\"%s\")", path);
	while (fgets(line, sizeof line, f))
		if (strstr(line, "nslab-mem-")) {
			line[strcspn(line, "\n")] = '\0';
			note("%s says %s", path, line);
		}
	fclose(f);
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
	long long oom, bytes;

	if (v1) {
		note("memory.oom_control: oom_kill %lld",
		     read_key(in_cg(p, sizeof p, cg, "memory.oom_control"), "oom_kill"));
	} else {
		oom = read_key(in_cg(p, sizeof p, cg, "memory.events"), "oom");
		note("memory.events: oom %lld, oom_kill %lld", oom, read_key(p, "oom_kill"));
	}
	bytes = read_num(in_cg(p, sizeof p, cg, v1 ? "memory.max_usage_in_bytes" : "memory.peak"));
	if (bytes < 0) {
		snprintf(peak, len, "n/a");
		note("memory.peak: n/a (this kernel has no such file; it came with Linux 5.19)");
		return;
	}
	fmt_size((unsigned long long)bytes, peak, len);
	note("%s: %lld (%s)", v1 ? "memory.max_usage_in_bytes" : "memory.peak", bytes, peak);
}

/* ---- plumbing ------------------------------------------------------------ */

void fmt_size(unsigned long long n, char *buf, size_t len)
{
	if (n >= GiB)
		snprintf(buf, len, "%.1f GiB", (double)n / GiB);
	else if (n >= MiB)
		snprintf(buf, len, "%.1f MiB", (double)n / MiB);
	else
		snprintf(buf, len, "%.0f KiB", (double)n / KiB);
}

/* Read PATH into BUF; 0 or an errno. */
int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return errno;
	if ((n = read(fd, buf, len - 1)) < 0)
		err = errno;
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	return err;
}

/* The number in PATH ("max" is LLONG_MAX); -1 if the file is missing. */
long long read_num(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof buf) != 0)
		return -1;
	return strncmp(buf, "max", 3) == 0 ? LLONG_MAX : strtoll(buf, NULL, 10);
}

/* The value of "KEY value" in a file such as memory.events; -1 if the
 * file or the key is missing. */
long long read_key(const char *path, const char *key)
{
	char buf[2048], *line, *save = NULL;
	size_t klen = strlen(key);

	if (read_str(path, buf, sizeof buf) != 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return strtoll(line + klen + 1, NULL, 10);
	return -1;
}
