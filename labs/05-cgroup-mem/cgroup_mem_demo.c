/*
 * cgroup_mem_demo.c - Lab 05: a memory limit that really kills.
 *
 * Namespaces decide what a process can see; control groups decide how
 * much it may use.  A cgroup is a directory in a special filesystem:
 * mkdir creates one, writing a number to one of its files sets a limit,
 * writing a PID to cgroup.procs moves a process in, rmdir removes it.
 *
 * Two generations of the interface are in use.  cgroup v2 (Ubuntu
 * 22.04+, Debian 11+) has one tree at /sys/fs/cgroup and files such as
 * memory.max.  cgroup v1 has a tree per controller, e.g.
 * /sys/fs/cgroup/memory, with memory.limit_in_bytes.  This lab finds
 * whichever holds the memory controller and speaks its dialect.
 *
 * The story:
 *   1. find the memory controller (v2 if a cgroup2 mount offers it,
 *      else the v1 memory hierarchy) and say why;
 *   2. mkdir nslab-mem-<PID> (on v2, enable +memory for the children
 *      of the parent first, if needed);
 *   3. set the limit, and keep swap out of it - otherwise the process
 *      is swapped instead of killed - and read back what the kernel made
 *      of the number;
 *   4. clone a child, write its PID to cgroup.procs before it allocates,
 *      and confirm with /proc/CHILD/cgroup;
 *   5. the child allocates and writes memory step by step, printing the
 *      cgroup's own usage counter as it goes;
 *   6. the parent reports how it ended - killed by SIGKILL from the OOM
 *      killer, per the cgroup's oom_kill counter - and the peak usage;
 *   7. once the cgroup is empty, rmdir it.
 */
#include "../common/nslab.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KiB (1024ULL)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
/* A teaching kit sets small limits; these bounds keep a typo from
 * trying to fill the machine. */
#define LIMIT_MAX (1 * GiB)
#define ALLOC_MAX (8 * GiB)

static const char usage[] =
	"Usage: cgroup_mem_demo [OPTION]...\n"
	"Lab 05: put a child in a memory cgroup with a limit, let it allocate past\n"
	"the limit, and watch the OOM killer end it (cgroup v2 or v1).\n"
	"\n"
	"      --limit SIZE   the memory limit (default: 32M; 4K to 1G)\n"
	"      --alloc SIZE   how much the child allocates (default: 4 x the limit;\n"
	"                     at most 8G). Under the limit, it exits 0: the control run\n"
	"      --step SIZE    allocate in chunks of SIZE (default: 4M)\n"
	"      --parent DIR   create the cgroup under DIR instead of the default\n"
	"SIZE is a whole number of bytes with an optional K, M or G (powers of 1024).\n"
	"With --hold the cgroup and its counters are kept after the child ends;\n"
	"with --shell a shell runs inside the cgroup instead of the allocator.\n";

/* The two dialects.  Everything version-specific is in this table. */
struct dialect {
	const char *limit;       /* the hard limit                          */
	const char *swap;        /* the limit that keeps swap out           */
	const char *usage;       /* current usage                           */
	const char *peak;        /* highest usage (may be missing)          */
	const char *events;      /* where oom_kill is counted               */
};

static const struct dialect v2 = {
	"memory.max", "memory.swap.max", "memory.current", "memory.peak",
	"memory.events",
};
static const struct dialect v1 = {
	"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
	"memory.usage_in_bytes", "memory.max_usage_in_bytes",
	"memory.oom_control",
};

static struct {
	struct demo_opts o;
	unsigned long long limit, alloc, step;
	const char *parent_opt;
	int version;                 /* 1 or 2 */
	const struct dialect *d;
	char mount[PATH_MAX];        /* the hierarchy's mount point        */
	char parent[PATH_MAX];       /* where our cgroup is made           */
	char cg[PATH_MAX + 32];      /* our cgroup                         */
	bool created;                /* cg exists and is ours              */
	bool enabled_memory;         /* we wrote +memory to the parent     */
	pid_t child;
	struct sync_pipe start;      /* parent -> child: "you are in, go"  */
} lab;

/* ---- small file helpers ------------------------------------------------ */

static void fmt_size(unsigned long long n, char *buf, size_t len)
{
	if (n >= GiB)
		snprintf(buf, len, "%.1f GiB", (double)n / GiB);
	else if (n >= MiB)
		snprintf(buf, len, "%.1f MiB", (double)n / MiB);
	else
		snprintf(buf, len, "%.0f KiB", (double)n / KiB);
}

/* "DIR/NAME" for a file of our cgroup. */
static const char *cgfile(const char *name)
{
	static char path[sizeof lab.cg + 64];

	snprintf(path, sizeof path, "%s/%s", lab.cg, name);
	return path;
}

/* Write S to PATH; returns 0 or an errno (cgroup files report errors
 * on write(), e.g. EINVAL, EBUSY). */
static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

/* Read PATH into BUF; returns 0 or an errno. */
static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = '\0';
	return 0;
}

/* A single number (or "max") from PATH; -1 if missing. */
static long long read_num(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof buf) != 0)
		return -1;
	if (strncmp(buf, "max", 3) == 0)
		return LLONG_MAX;
	return strtoll(buf, NULL, 10);
}

/* "KEY value" from a flat-keyed file such as memory.events; -1 if
 * the file or the key is missing. */
static long long read_key(const char *path, const char *key)
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

/* Is WORD one of the space-separated words in LIST? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (!p[n] || isspace((unsigned char)p[n])))
			return true;
	return false;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- options ----------------------------------------------------------- */

/* "32M" -> 33554432.  Whole numbers only, with an optional K, M or G. */
static unsigned long long parse_size(const char *opt, const char *s,
				     unsigned long long min, unsigned long long max)
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
	case '\0': break;
	case 'K': mult = KiB; p++; break;
	case 'M': mult = MiB; p++; break;
	case 'G': mult = GiB; p++; break;
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

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		DEMO_COMMON_LONGOPTS,
		{ "limit", required_argument, NULL, 'l' },
		{ "alloc", required_argument, NULL, 'a' },
		{ "step", required_argument, NULL, 's' },
		{ "parent", required_argument, NULL, 'p' },
		{ 0 }
	};
	int c;

	lab.limit = 32 * MiB;
	lab.step = 4 * MiB;
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (demo_common_option(c, &lab.o))
			continue;
		switch (c) {
		case 'l':
			lab.limit = parse_size("--limit", optarg, 4 * KiB, LIMIT_MAX);
			break;
		case 'a':
			lab.alloc = parse_size("--alloc", optarg, 4 * KiB, ALLOC_MAX);
			break;
		case 's':
			lab.step = parse_size("--step", optarg, 4 * KiB, ALLOC_MAX);
			break;
		case 'p':
			if (!*optarg)
				usage_error("--parent needs a cgroup directory");
			lab.parent_opt = optarg;
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(&lab.o);
	if (!lab.alloc)
		lab.alloc = 4 * lab.limit;
	if (lab.step > lab.alloc)
		lab.step = lab.alloc;
}

/* ---- step 1: which hierarchy has the memory controller? -------------- */

/* Scan /proc/self/mountinfo for cgroup2 mounts offering "memory" in
 * cgroup.controllers, and for a v1 "cgroup" mount with the memory
 * option.  v2 wins when both exist. */
static void find_memory_controller(char *why, size_t whylen)
{
	char line[4096], v1mount[PATH_MAX] = "", v2note[PATH_MAX + 320] = "";
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		die(errno, "fopen(\"/proc/self/mountinfo\")");
	while (fgets(line, sizeof line, f)) {
		char mnt[PATH_MAX], fstype[64], super[512], ctl[PATH_MAX + 32], list[256];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %511s", fstype, super) != 2)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && !lab.version) {
			snprintf(ctl, sizeof ctl, "%s/cgroup.controllers", mnt);
			if (read_str(ctl, list, sizeof list) != 0)
				continue;
			list[strcspn(list, "\n")] = '\0';
			if (has_word(list, "memory")) {
				lab.version = 2;
				snprintf(lab.mount, sizeof lab.mount, "%s", mnt);
			} else {
				snprintf(v2note, sizeof v2note, "cgroup2 at %s offers only \"%s\"",
					 mnt, *list ? list : "(nothing)");
			}
		} else if (strcmp(fstype, "cgroup") == 0 && !v1mount[0]) {
			/* Super options look like "rw,memory". */
			for (char *o = strtok(super, ","); o; o = strtok(NULL, ","))
				if (strcmp(o, "memory") == 0)
					snprintf(v1mount, sizeof v1mount, "%s", mnt);
		}
	}
	fclose(f);

	if (lab.version == 2) {
		snprintf(why, whylen, "cgroup v2 at %s lists memory in cgroup.controllers",
			 lab.mount);
		lab.d = &v2;
	} else if (v1mount[0]) {
		lab.version = 1;
		lab.d = &v1;
		snprintf(lab.mount, sizeof lab.mount, "%s", v1mount);
		snprintf(why, whylen, "%s, so using the v1 memory hierarchy at %s",
			 v2note[0] ? v2note : "no cgroup2 mount offers memory", v1mount);
	} else {
		die(ENOENT, "finding a memory cgroup (no cgroup2 mount lists memory, no v1 memory mount)");
	}
}

/* The parent directory: --parent, or the v2 root, or on v1 the memory
 * cgroup this process is already in (from /proc/self/cgroup). */
static void choose_parent(void)
{
	char line[PATH_MAX + 64];
	FILE *f;

	if (lab.parent_opt) {
		snprintf(lab.parent, sizeof lab.parent, "%s", lab.parent_opt);
		return;
	}
	if (lab.version == 2) {
		snprintf(lab.parent, sizeof lab.parent, "%s", lab.mount);
		return;
	}
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		die(errno, "fopen(\"/proc/self/cgroup\")");
	snprintf(lab.parent, sizeof lab.parent, "%s", lab.mount);
	while (fgets(line, sizeof line, f)) {
		char *ctrls = strchr(line, ':'), *path;

		if (!ctrls || !(path = strchr(ctrls + 1, ':')))
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		for (char *c = strtok(ctrls + 1, ","); c; c = strtok(NULL, ","))
			if (strcmp(c, "memory") == 0)
				snprintf(lab.parent, sizeof lab.parent, "%s%s", lab.mount,
					 strcmp(path, "/") == 0 ? "" : path);
	}
	fclose(f);
}

/* --parent must be a directory of the hierarchy we found.  Checked
 * before anything is created; a wrong one is a usage error. */
static void check_parent_option(void)
{
	char real[PATH_MAX];
	struct statfs sf;
	size_t mlen = strlen(lab.mount);

	if (!lab.parent_opt)
		return;
	if (!realpath(lab.parent_opt, real))
		usage_error("--parent '%s': %s", lab.parent_opt, strerror(errno));
	if (statfs(real, &sf) != 0 ||
	    (sf.f_type != CGROUP2_SUPER_MAGIC && sf.f_type != CGROUP_SUPER_MAGIC))
		usage_error("--parent '%s' is not a cgroup directory", lab.parent_opt);
	if (strncmp(real, lab.mount, mlen) != 0 || (real[mlen] && real[mlen] != '/'))
		usage_error("--parent '%s' is not in the memory hierarchy (%s)",
			    lab.parent_opt, lab.mount);
	snprintf(lab.parent, sizeof lab.parent, "%s", real);
}

/* ---- cleanup: every way out comes through here ------------------------ */

/* Kill everything in our cgroup: cgroup.kill (v2, Linux 5.14+) does it
 * in one write; otherwise signal each PID listed in cgroup.procs. */
static void kill_cgroup(void)
{
	char buf[4096], *p, *save = NULL;

	if (write_str(cgfile("cgroup.kill"), "1") == 0)
		return;
	if (read_str(cgfile("cgroup.procs"), buf, sizeof buf) != 0)
		return;
	for (p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
		kill((pid_t)atoi(p), SIGKILL);
}

/* Is the cgroup empty?  On v2, FD is open on cgroup.events, and
 * re-reading through that same fd is what re-arms kernfs's POLLPRI
 * notification.  On v1, open cgroup.procs afresh each time: an open
 * file keeps the PID list it read first. */
static bool cgroup_empty(int fd)
{
	char buf[512];
	ssize_t n;

	if (lab.version == 1)
		return read_str(cgfile("cgroup.procs"), buf, sizeof buf) != 0 || !buf[0];
	n = pread(fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		return true; /* the cgroup is gone already */
	buf[n] = '\0';
	return strstr(buf, "populated 0") != NULL;
}

/* A cgroup can only be removed once no process is in it.  On v2 the
 * kernel signals a change of "populated" in cgroup.events with POLLPRI;
 * v1 has no such notice, so look again every 20 ms.  Killed processes
 * leave within milliseconds; give up after 10 seconds. */
static void wait_until_empty(void)
{
	int fd = open(cgfile(lab.version == 2 ? "cgroup.events" : "cgroup.procs"),
		      O_RDONLY | O_CLOEXEC);
	struct timespec start, now;

	if (fd < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!cgroup_empty(fd)) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 10)
			break;
		if (lab.version == 2)
			poll(&p, 1, 1000);
		else
			poll(NULL, 0, 20);
	}
	close(fd);
}

static void remove_cgroup(void)
{
	if (!lab.created)
		return;
	wait_until_empty();
	if (rmdir(lab.cg) != 0) {
		warn_errno(errno, "rmdir(\"%s\")", lab.cg);
		return;
	}
	lab.created = false;
	if (lab.enabled_memory) {
		char path[PATH_MAX + 32];
		int err;

		/* Put the parent back as we found it. */
		snprintf(path, sizeof path, "%s/cgroup.subtree_control", lab.parent);
		err = write_str(path, "-memory");
		if (err && err != EBUSY)
			warn_errno(err, "writing \"-memory\" to %s", path);
		lab.enabled_memory = false;
	}
}

static void cleanup(void)
{
	if (lab.created)
		kill_cgroup();
	if (lab.child > 0) {
		kill(lab.child, SIGKILL);
		wait_child(lab.child, NULL);
		lab.child = 0;
	}
	remove_cgroup();
}

static void report_interrupted(int sig)
{
	if (lab.created)
		fprintf(stderr, "%s: interrupted by signal %d; could not remove %s\n",
			nslab_prog, sig, lab.cg);
	else
		fprintf(stderr, "%s: interrupted by signal %d; the cgroup is removed\n",
			nslab_prog, sig);
}

static void checkpoint(void)
{
	int sig = signal_pending_term();

	if (!sig)
		return;
	cleanup();
	remove_pidfile(&lab.o);
	report_interrupted(sig);
	exit(exit_code_for_signal(sig));
}

/* ---- steps 2 and 3: the cgroup and its limit -------------------------- */

static void create_cgroup(void)
{
	if (lab.version == 2) {
		char path[PATH_MAX + 32], list[256];

		/* On v2 a controller must be switched on for a parent's
		 * children (subtree_control) before they get its files. */
		snprintf(path, sizeof path, "%s/cgroup.subtree_control", lab.parent);
		if (read_str(path, list, sizeof list) != 0)
			die(errno, "reading %s", path);
		if (!has_word(list, "memory")) {
			int err = write_str(path, "+memory");

			if (err == EBUSY)
				die(err, "writing \"+memory\" to %s (a v2 parent with processes "
				    "of its own cannot enable controllers: choose --parent)", path);
			if (err)
				die(err, "writing \"+memory\" to %s", path);
			lab.enabled_memory = true;
		}
	}
	snprintf(lab.cg, sizeof lab.cg, "%s/nslab-mem-%d", lab.parent, (int)getpid());
	if (mkdir(lab.cg, 0755) != 0)
		die(errno, "mkdir(\"%s\")", lab.cg);
	lab.created = true;
	step(2, "mkdir(\"%s\")", lab.cg);
	if (lab.enabled_memory)
		note("after writing \"+memory\" to the parent's cgroup.subtree_control");
	note("the kernel fills the new directory with the controller's files");
}

static void set_limit(void)
{
	char num[32], size[32];
	long long got;
	int err;

	snprintf(num, sizeof num, "%llu", lab.limit);
	err = write_str(cgfile(lab.d->limit), num);
	if (err)
		die(err, "writing %s to %s", num, cgfile(lab.d->limit));
	got = read_num(cgfile(lab.d->limit));
	fmt_size((unsigned long long)got, size, sizeof size);
	step(3, "write %s to %s; it reads back %lld (%s)", num, lab.d->limit, got, size);
	if ((unsigned long long)got != lab.limit)
		note("the kernel rounded the limit down to whole pages");

	/* Without this, a machine with swap lets the process swap instead
	 * of hitting the limit.  On v1 the memory+swap limit must never be
	 * below the memory limit, which is why it is written second. */
	if (file_exists(cgfile(lab.d->swap))) {
		const char *val = lab.version == 2 ? "0" : num;

		err = write_str(cgfile(lab.d->swap), val);
		if (err)
			die(err, "writing %s to %s", val, cgfile(lab.d->swap));
		note("write %s to %s: swap cannot stretch the limit", val, lab.d->swap);
	} else {
		note("NOTE: no %s here (swap accounting off), so swap is NOT excluded;",
		     lab.d->swap);
		note("on a machine with swap the child may be slowed down instead of killed");
	}
	result("limit:   %s = %lld bytes (%s)", lab.d->limit, got, size);
}

/* ---- step 5: the child ---------------------------------------------- */

static int child_main(void *arg)
{
	unsigned long long done = 0;
	char a[32], u[32];

	(void)arg;
	sync_close_write(&lab.start);
	/* Not a byte of our own memory until we are in the cgroup. */
	if (!sync_wait(&lab.start))
		return EXIT_RUNTIME;

	if (lab.o.shell) {
		const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";

		note("starting %s inside the cgroup; try `cat /proc/self/cgroup`, then `exit`", sh);
		execl(sh, sh, (char *)NULL);
		die(errno, "execl(\"%s\")", sh);
	}

	fmt_size(lab.alloc, a, sizeof a);
	fmt_size(lab.step, u, sizeof u);
	step(5, "child: allocate %s in steps of %s, writing every page", a, u);
	while (done < lab.alloc) {
		size_t n = (size_t)(lab.alloc - done < lab.step ? lab.alloc - done : lab.step);
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die(errno, "mmap(%zu)", n);
		/* Memory is charged when a page is first touched, not when
		 * it is mapped: write to every page. */
		memset(p, 0xa5, n);
		done += n;
		fmt_size(done, a, sizeof a);
		fmt_size((unsigned long long)read_num(cgfile(lab.d->usage)), u, sizeof u);
		note("allocated %-10s cgroup %s: %s", a, lab.d->usage, u);
	}
	result("child:   allocated all %s and exits normally", a);
	return 0;
}

/* ---- steps 4 and 6: in, and how it ended -------------------------------- */

static void move_child_in(void)
{
	char num[16], path[64], line[PATH_MAX];
	FILE *f;
	int err;

	snprintf(num, sizeof num, "%d", (int)lab.child);
	err = write_str(cgfile("cgroup.procs"), num);
	if (err)
		die(err, "writing %s to %s", num, cgfile("cgroup.procs"));
	step(4, "clone() -> child %d; write %d to cgroup.procs", (int)lab.child,
	     (int)lab.child);

	/* Look from outside: the kernel's own record of where it is. */
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)lab.child);
	f = fopen(path, "r");
	if (!f)
		die(errno, "fopen(\"%s\")", path);
	while (fgets(line, sizeof line, f))
		if (strstr(line, "nslab-mem-")) {
			line[strcspn(line, "\n")] = '\0';
			note("%s says %s", path, line);
		}
	fclose(f);
}

static void report_end(int code, long long kills_before)
{
	long long kills = read_key(cgfile(lab.d->events), "oom_kill");
	long long oom = read_key(cgfile(lab.d->events), lab.version == 2 ? "oom" : "under_oom");
	long long peak = read_num(cgfile(lab.d->peak));
	long long failcnt = lab.version == 1 ? read_num(cgfile("memory.failcnt")) : -1;
	char pk[32];

	fmt_size(peak > 0 ? (unsigned long long)peak : 0, pk, sizeof pk);
	if (code == exit_code_for_signal(SIGKILL))
		step(6, "the child was killed by SIGKILL (exit status %d)", code);
	else
		step(6, "the child exited with status %d", code);
	if (lab.version == 2)
		note("memory.events: oom %lld, oom_kill %lld", oom, kills);
	else
		note("memory.oom_control: oom_kill %lld; memory.failcnt %lld", kills, failcnt);
	if (peak >= 0)
		note("%s: %lld (%s)", lab.d->peak, peak, pk);

	if (kills < 0)
		result("ended:   status %d (this kernel does not count oom_kill)", code);
	else if (kills > kills_before)
		result("ended:   killed by the OOM killer at the limit (oom_kill %lld, peak %s)",
		       kills, pk);
	else
		result("ended:   status %d, oom_kill %lld: the limit was never reached",
		       code, kills);
}

int main(int argc, char **argv)
{
	char why[PATH_MAX * 3], alloc[32];
	int code, interrupted = 0;
	long long kills_before;

	demo_begin("cgroup_mem_demo", usage);
	parse_args(argc, argv);
	signals_block();

	find_memory_controller(why, sizeof why);
	check_parent_option();
	choose_parent();
	step(1, "memory controller: cgroup v%d", lab.version);
	note("%s", why);
	on_die(cleanup);

	create_cgroup();
	checkpoint();
	set_limit();
	checkpoint();

	sync_init(&lab.start);
	lab.child = clone_child(child_main, NULL, 0, "SIGCHLD");
	sync_close_read(&lab.start);
	move_child_in();
	write_pidfile(&lab.o, lab.child);
	kills_before = read_key(cgfile(lab.d->events), "oom_kill");
	fmt_size(lab.alloc, alloc, sizeof alloc);
	if (!lab.o.shell && lab.alloc > lab.limit)
		note("it will ask for %s, more than the limit", alloc);
	if (lab.o.shell)
		signals_shell_mode();
	sync_signal(&lab.start);
	sync_close_write(&lab.start);

	code = wait_child(lab.child, &interrupted);
	lab.child = 0;
	if (interrupted) {
		cleanup();
		remove_pidfile(&lab.o);
		report_interrupted(interrupted);
		return lab.created ? EXIT_RUNTIME : code;
	}
	report_end(code, kills_before > 0 ? kills_before : 0);

	if (lab.o.hold) {
		char c1[PATH_MAX * 2], c2[PATH_MAX * 2], c3[PATH_MAX * 2];
		const char *cmds[] = { c1, c2, c3, NULL };

		snprintf(c1, sizeof c1, "cat %s", cgfile(lab.d->events));
		snprintf(c2, sizeof c2, "cat %s", cgfile(lab.d->limit));
		snprintf(c3, sizeof c3, "cat %s", cgfile(lab.d->peak));
		hold_until_signal(0, cmds);
	}

	remove_cgroup();
	remove_pidfile(&lab.o);
	if (lab.created)
		return EXIT_RUNTIME;
	step(7, "the cgroup is empty; rmdir(\"%s\")", lab.cg);
	result("removed: %s", lab.cg);
	return code;
}
