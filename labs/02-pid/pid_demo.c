/*
 * pid_demo.c - Lab 02: one process, two PIDs.
 *
 * A PID namespace numbers processes on its own, starting at 1.  The
 * first process cloned with CLONE_NEWPID is PID 1 inside - the
 * namespace's init - while the host still knows it by an ordinary PID.
 * Namespaces nest: a process has one PID in its own namespace and one
 * in every namespace above it, and /proc/PID/status lists them all on
 * its NSpid line.
 *
 * The story:
 *   1. the host clones a child with CLONE_NEWPID (with --nest N, each
 *      level clones the next, N namespaces deep);
 *   2. inside, getpid() is 1 and getppid() is 0: the parent lives
 *      outside, so it has no number here;
 *   3. inside, /proc still belongs to the host - /proc/self names a PID
 *      this process does not have here, which is what confuses `ps`.
 *      With --mount-proc the child first takes a mount namespace of its
 *      own and mounts a fresh proc that shows only its namespace;
 *   4. PID 1's duties: an orphan is re-parented to it (not to the
 *      host's init) and reaped by it; a sleeper is left running;
 *   5. the host reads NSpid for the child and the sleeper: two numbers
 *      each (N+1 with --nest N);
 *   6. PID 1 exits, and the kernel kills every process left in its
 *      namespace: the sleeper is gone.
 *
 * The shell equivalent is `sudo unshare --pid --fork [--mount-proc] bash`.
 */
#include "../common/nslab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NEST_MAX = 32 };  /* the kernel allows 32 levels of PID namespace */

static const char usage[] =
	"Usage: pid_demo [OPTION]...\n"
	"Lab 02: start a process in a new PID namespace, where it is PID 1,\n"
	"and look at it from inside and from the host.\n"
	"\n"
	"      --mount-proc   inside, mount a fresh /proc in a private mount namespace\n"
	"                     (without it, /proc still shows the host's processes)\n"
	"      --nest N       nest N PID namespaces, 1 to 32 (default: 1)\n";

struct config {
	struct demo_opts o;
	bool mount_proc;
	int nest;
	struct sync_pipe start;  /* host -> child: "narrated, go on"       */
	struct sync_pipe ready;  /* innermost -> host: "story told"        */
	struct sync_pipe done;   /* host -> innermost: "you may exit now"  */
};

static int parse_nest(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (!*s || *end || errno || n < 1 || n > NEST_MAX)
		usage_error("--nest takes a whole number from 1 to %d, not '%s'",
			    NEST_MAX, s);
	return (int)n;
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		DEMO_COMMON_LONGOPTS,
		{ "mount-proc", no_argument, NULL, 'm' },
		{ "nest", required_argument, NULL, 'n' },
		{ 0 }
	};
	int c;

	cfg->nest = 1;
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (demo_common_option(c, &cfg->o))
			continue;
		switch (c) {
		case 'm':
			cfg->mount_proc = true;
			break;
		case 'n':
			cfg->nest = parse_nest(optarg);
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(&cfg->o);
}

/* ---- inside the namespace ------------------------------------------ */

/* How many processes a /proc shows: its numeric entries. */
static int count_proc_pids(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		die(errno, "opendir(\"/proc\")");
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			n++;
	closedir(d);
	return n;
}

/* Step 3: what /proc shows from inside, before or after a fresh mount. */
static void look_at_proc(bool mount_proc)
{
	char self[32];
	ssize_t n;

	if (mount_proc) {
		/* A mount namespace of our own, so the new proc is not
		 * seen by the host.  Mounts made in a copy still propagate
		 * back if / is shared (systemd makes it shared), so make
		 * the whole tree private before mounting anything. */
		if (unshare(CLONE_NEWNS) != 0)
			die(errno, "unshare(CLONE_NEWNS)");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV,
			  NULL) != 0)
			die(errno, "mount(\"proc\", \"/proc\")");
		step(3, "unshare(CLONE_NEWNS), mount(\"/\", MS_REC|MS_PRIVATE), "
		     "mount(\"proc\", \"/proc\", MS_NOSUID|MS_NOEXEC|MS_NODEV)");
		note("a proc mounted from inside this PID namespace shows this namespace");
	} else {
		step(3, "look at /proc without mounting a new one");
		note("/proc is still the host's: it was mounted from the host's PID namespace");
	}

	n = readlink("/proc/self", self, sizeof self - 1);
	if (n < 0)
		die(errno, "readlink(\"/proc/self\")");
	self[n] = '\0';
	int count = count_proc_pids();

	note("/proc/self -> %s, and /proc lists %d process%s", self, count,
	     count == 1 ? "" : "es");
	if (mount_proc) {
		result("inside:  /proc shows only this namespace (/proc/self is %s)",
		       self);
	} else {
		note("ps reads /proc, so it would list the host's processes, and");
		note("/proc/self names %s, a PID this process does not have here:", self);
		note("this is the \"fatal library error, lookup self\" in the notes");
		result("inside:  /proc still shows the host (/proc/self is %s, not 1)",
		       self);
	}
}

/* Step 4: an orphan is adopted and reaped by PID 1; a sleeper is left
 * behind for the kernel to kill when PID 1 exits. */
static void show_init_duties(void)
{
	struct sync_pipe check;
	pid_t middle, orphan, sleeper, reaped;
	int status;

	step(4, "PID 1's duties: fork() a middle process that starts two and exits");
	sync_init(&check);
	middle = fork();
	if (middle < 0)
		die(errno, "fork()");
	if (middle == 0) {
		/* The middle process starts two children and exits at once,
		 * without waiting for either: both become orphans. */
		orphan = fork();
		if (orphan == 0) {
			sync_close_write(&check);
			sync_wait(&check); /* until the middle is reaped */
			note("orphan %d: getppid() -> %d (adopted by this namespace's init)",
			     (int)getpid(), (int)getppid());
			_exit(0);
		}
		sleeper = fork();
		if (sleeper == 0) {
			sync_close_write(&check);
			for (;;)
				pause(); /* until the kernel kills it */
		}
		if (orphan < 0 || sleeper < 0)
			_exit(EXIT_RUNTIME);
		note("middle %d: fork() -> orphan %d and sleeper %d, then _exit()",
		     (int)getpid(), (int)orphan, (int)sleeper);
		_exit(0);
	}

	if (waitpid(middle, &status, 0) != middle)
		die(errno, "waitpid(%d)", (int)middle);
	note("PID 1: waitpid(%d) reaped the middle process", (int)middle);
	sync_signal(&check);
	sync_close_write(&check);
	sync_close_read(&check);

	/* The sleeper never exits, so the only child that can end now is
	 * the orphan - which the kernel has made ours. */
	reaped = waitpid(-1, &status, 0);
	if (reaped < 0)
		die(errno, "waitpid(-1)");
	result("inside:  PID 1 reaped orphan %d; sleeper left running", (int)reaped);
}

/* The innermost process: PID 1 of the innermost namespace. */
static int innermost(struct config *cfg)
{
	step(2, "inside: getpid() -> %d, getppid() -> %d", (int)getpid(),
	     (int)getppid());
	note("the parent lives outside this namespace, so here it has no PID at all");
	result("inside:  this process is PID %d", (int)getpid());

	look_at_proc(cfg->mount_proc);

	if (cfg->o.shell) {
		const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";

		note("starting %s as PID 1; try `echo $$`, `ps`, `ls /proc`, then `exit`", sh);
		sync_signal(&cfg->ready);
		execl(sh, sh, (char *)NULL);
		die(errno, "execl(\"%s\")", sh);
	}

	show_init_duties();
	sync_signal(&cfg->ready);
	sync_wait(&cfg->done);
	/* Returning ends PID 1, and with it the namespace. */
	return 0;
}

/* One level of the chain: PID 1 of namespace LEVEL. */
static int level_main(void *arg)
{
	struct config *cfg = arg;
	static int level = 1;
	int code;
	pid_t next;

	sync_close_write(&cfg->start);
	sync_close_read(&cfg->ready);
	sync_close_write(&cfg->done);
	if (level == 1 && !sync_wait(&cfg->start))
		return EXIT_RUNTIME;
	if (level == cfg->nest)
		return innermost(cfg);

	/* Say it before cloning, so the next level cannot print first. */
	note("level %d: PID %d here, getppid() %d; clone(CLONE_NEWPID) for level %d",
	     level, (int)getpid(), (int)getppid(), level + 1);
	level++;
	next = clone_child(level_main, cfg, CLONE_NEWPID, "CLONE_NEWPID");
	signals_block(); /* so wait_child() below also watches for signals */
	code = wait_child(next, NULL);
	return code;
}

/* ---- on the host ---------------------------------------------------- */

/* The NSpid line of /proc/PID/status: "4321\t1" for PID 4321. */
static bool read_nspid(pid_t pid, char *buf, size_t len)
{
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "NSpid:", 6) == 0) {
			char *s = line + 6;

			s += strspn(s, " \t");
			s[strcspn(s, "\n")] = '\0';
			for (char *t = s; *t; t++)
				if (*t == '\t')
					*t = ' ';
			snprintf(buf, len, "%s", s);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

/* A child of PARENT, found by scanning every /proc/N/stat for its PPid
 * (field 4, after the command name in parentheses).  Returns 0 if none. */
static pid_t find_child_of(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		die(errno, "opendir(\"/proc\")");
	while (!found && (e = readdir(d))) {
		char path[288], buf[512], *p;
		int ppid;
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue; /* it exited while we looked: fine */
		if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == parent)
			found = atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return found;
}

/* Step 5: the host's view of the same processes. */
static pid_t show_host_view(pid_t inner, bool with_sleeper)
{
	char nspid[256];
	pid_t sleeper = 0;

	if (!read_nspid(inner, nspid, sizeof nspid))
		die(errno ? errno : ENOENT, "reading NSpid from /proc/%d/status",
		    (int)inner);
	step(5, "host: /proc/%d/status says NSpid: %s", (int)inner, nspid);
	note("one number per PID namespace, outermost first: the host sees inside,");
	note("inside cannot see out (getppid() was 0)");
	result("host:    the same process is PID %d here and PID 1 inside (NSpid: %s)",
	       (int)inner, nspid);

	if (with_sleeper) {
		sleeper = find_child_of(inner);
		if (sleeper > 0 && read_nspid(sleeper, nspid, sizeof nspid))
			note("the sleeper, adopted by PID 1: host PID %d, NSpid: %s",
			     (int)sleeper, nspid);
	}
	return sleeper;
}

/* Step 6: PID 1 is gone; so is everything that was in its namespace. */
static void show_sleeper_gone(pid_t sleeper)
{
	if (sleeper <= 0)
		return;
	if (kill(sleeper, 0) == 0) {
		fprintf(stderr, "%s: sleeper %d survived its namespace's init\n",
			nslab_prog, (int)sleeper);
		exit(EXIT_RUNTIME);
	}
	step(6, "host: kill(%d, 0) -> %s", (int)sleeper, strerrorname_np(errno));
	note("when PID 1 of a namespace exits, the kernel SIGKILLs every process left in it");
	result("host:    the sleeper (%d) died with the namespace's PID 1", (int)sleeper);
}

int main(int argc, char **argv)
{
	struct config cfg = { 0 };
	int code, interrupted = 0;
	pid_t child, inner = 0, sleeper = 0;

	demo_begin("pid_demo", usage);
	parse_args(argc, argv, &cfg);
	signals_block();

	sync_init(&cfg.start);
	sync_init(&cfg.ready);
	sync_init(&cfg.done);
	child = clone_child(level_main, &cfg, CLONE_NEWPID, "CLONE_NEWPID");
	step(1, "clone(CLONE_NEWPID) -> child %d (PID 1 of a new PID namespace)",
	     (int)child);
	if (cfg.nest > 1)
		note("each level clones the next: %d namespaces deep", cfg.nest);
	sync_close_read(&cfg.start);
	sync_close_write(&cfg.ready);
	sync_close_read(&cfg.done);
	sync_signal(&cfg.start);

	if (sync_wait_or_signal(&cfg.ready) == 0) {
		/* Follow the chain down to the innermost process. */
		inner = child;
		for (int i = 1; i < cfg.nest && inner > 0; i++)
			inner = find_child_of(inner);
		if (inner <= 0)
			die(ESRCH, "finding the innermost process under %d", (int)child);
		sleeper = show_host_view(inner, !cfg.o.shell);
		write_pidfile(&cfg.o, inner);
		if (cfg.o.hold) {
			char nspid[64], lsns[64], ps[80];
			const char *cmds[] = { nspid, lsns, ps, NULL };

			snprintf(nspid, sizeof nspid, "grep NSpid /proc/%d/status", (int)inner);
			snprintf(lsns, sizeof lsns, "lsns -t pid -p %d", (int)inner);
			snprintf(ps, sizeof ps, "nsenter -t %d -p %s ps -ef", (int)inner,
				 cfg.mount_proc ? "-m" : "-r");
			hold_until_signal(child, cmds);
		}
		if (cfg.o.shell)
			signals_shell_mode();
	}
	sync_close_write(&cfg.done);

	code = wait_child(child, &interrupted);
	remove_pidfile(&cfg.o);
	if (interrupted) {
		fprintf(stderr, "%s: interrupted by signal %d; the namespace is gone with its PID 1\n",
			nslab_prog, interrupted);
		return code;
	}
	if (code == 0)
		show_sleeper_gone(sleeper);
	return code;
}
