/*
 * cgroup_mem_demo.c - Lab 05: a memory limit that really kills.
 *
 * Namespaces decide what a process can see; cgroups, how much it may use.
 * A cgroup is a directory, with no system call of its own: mkdir makes
 * one, a number written to a file sets a limit, a PID written to
 * cgroup.procs moves a process in.  This is cgroup v2, the one tree of
 * Ubuntu 22.04+ and Debian 11+; `if (v1)` lines call cgroup_v1.c.
 */
#include "../common/args.h"
#include "../common/cgroup.h"
#include "../common/mountinfo.h"
#include "../common/nslab.h"
#include "../common/textfile.h"
#include "cgroup_v1.h"
#include "options.h"
#include "plumbing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct demo_opts opts;
static unsigned long long limit = 32 << 20; /* --limit */
static unsigned long long alloc;	    /* --alloc */
static unsigned long long chunk = 4 << 20;  /* --step */
static const char *parent_opt;
static bool v1;		    /* memory is on cgroup v1 */
static bool created;	    /* cg exists */
static bool enabled_memory; /* we wrote +memory */
static char root[PATH_MAX]; /* the hierarchy's mount point */
static char parent[PATH_MAX];
static char cg[PATH_MAX + 32];
static pid_t child;
static int to_child[2]; /* "you are in the cgroup, go"; EOF means "give up" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* Write S to PATH; 0 or an errno (a cgroup file refuses a value on write()). */
int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return errno;
	errno = EIO; /* a short write sets none */
	err = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : errno;
	close(fd);
	return err;
}

/* One of our cgroup's files, by its v2 name (v1 names most otherwise). */
static const char *name(const char *v2name)
{
	return v1 ? v1_name(v2name) : v2name;
}

/* The path of that file. */
static const char *cgfile(const char *v2name)
{
	static char path[sizeof cg + 64];

	snprintf(path, sizeof path, "%s/%s", cg, name(v2name));
	return path;
}

/* Step 1: which hierarchy has the memory controller?  A controller is in
 * one hierarchy at a time, so a cgroup2 mount offers memory (lists it in
 * cgroup.controllers) only if no v1 hierarchy has taken it. */
static void find_memory_controller(void)
{
	char mnt[PATH_MAX];
	char list[256];
	char why[2 * PATH_MAX + 320] = "no cgroup2 mount offers memory";
	FILE *f = mountinfo_open("/proc/self/mountinfo");

	while (!root[0] && next_cgroup2(f, mnt, list, sizeof list))
		if (has_word(list, "memory", ' '))
			snprintf(root, sizeof root, "%s", mnt);
		else
			snprintf(why, sizeof why, "cgroup2 at %s offers only \"%s\"", mnt, list);
	fclose(f);
	if (!root[0] && !(v1 = v1_find(root, parent, why, sizeof why)))
		die(ENOENT, "finding a memory cgroup (no cgroup2 or v1 mount offers memory)");
	if (parent_opt || !v1) /* --parent, or the root of the v2 tree (v1_find chose v1's) */
		snprintf(parent, sizeof parent, "%s",
			 parent_opt ? check_parent(parent_opt, root) : root);
	step(1, "memory controller: cgroup v%d", v1 ? 1 : 2);
	note(v1 ? "%s" : "cgroup v2 at %s lists memory in cgroup.controllers", v1 ? why : root);
}

/* Step 2: a cgroup is a directory.  On v2 a parent hands a controller to
 * its children once "+memory" is in its cgroup.subtree_control, which a
 * non-root parent with processes of its own refuses (EBUSY). */
static void create_cgroup(void)
{
	char path[PATH_MAX + 32];
	char list[256] = "";
	int err;

	snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
	if (!v1 && !file_line(path, list, sizeof list))
		die(errno, "reading %s", path);
	if (!v1 && !has_word(list, "memory", ' ')) {
		if ((err = write_file(path, "+memory")) != 0)
			die(err, "writing \"+memory\" to %s%s", path,
			    err != EBUSY
				    ? ""
				    : " (it holds processes of its own: choose another --parent)");
		enabled_memory = true;
	}
	snprintf(cg, sizeof cg, "%s/nslab-mem-%d", parent, (int)getpid());
	if (mkdir(cg, 0755) != 0)
		die(errno, "mkdir(\"%s\")", cg);
	created = true;
	step(2, "mkdir(\"%s\")", cg);
	if (enabled_memory)
		note("after writing \"+memory\" to the parent's cgroup.subtree_control");
	note("the kernel fills the new directory with the controller's files");
}

/* Step 3: the limit, read back to see what the kernel made of it. */
static void set_limit(void)
{
	char num[32];
	char size[32];
	long long got;
	int err;

	snprintf(num, sizeof num, "%llu", limit);
	if ((err = write_file(cgfile("memory.max"), num)) != 0)
		die(err, "writing %s to %s", num, cgfile("memory.max"));
	got = must_number(cgfile("memory.max"));
	fmt_size((unsigned long long)got, size, sizeof size);
	step(3, "write %s to %s; it reads back %lld (%s)", num, name("memory.max"), got, size);
	if ((unsigned long long)got != limit)
		note("the kernel rounded the limit down to whole pages");
	/* With swap, the kernel could move the child's pages out instead of
	 * killing it.  memory.swap.max limits swap alone: 0 keeps it out. */
	if (v1)
		v1_keep_swap_out(cg, num);
	else if ((err = write_file(cgfile("memory.swap.max"), "0")) == ENOENT)
		note("NOTE: no memory.swap.max (swap accounting off), so swap is NOT excluded;\n"
		     "    on a machine with swap the child may be slowed down instead of killed");
	else if (err)
		die(err, "writing 0 to %s", cgfile("memory.swap.max"));
	else
		note("write 0 to memory.swap.max: swap cannot stretch the limit");
	result("limit:   %s = %lld bytes (%s)", name("memory.max"), got, size);
}

/* Step 5 runs here, in the child, once it is in the cgroup. */
static int child_main(void *arg)
{
	unsigned long long done = 0;
	char byte;
	char a[32];
	char u[32];

	(void)arg;
	child_begin();
	close(to_child[1]); /* else our own copy would keep EOF from coming */
	/* A page is charged to the cgroup its process is in when it is first
	 * touched, and stays charged there: not a byte before we are in. */
	if (read(to_child[0], &byte, 1) != 1)
		return EXIT_RUNTIME;
	if (opts.shell)
		exec_shell();
	fmt_size(alloc, a, sizeof a);
	fmt_size(chunk, u, sizeof u);
	step(5, "child: allocate %s in steps of %s, writing every page", a, u);
	while (done < alloc) {
		size_t n = (size_t)(alloc - done < chunk ? alloc - done : chunk);
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die(errno, "mmap(%zu)", n);
		memset(p, 0xa5, n); /* a mapping costs nothing until it is written */
		done += n;
		fmt_size(done, a, sizeof a);
		fmt_size((unsigned long long)must_number(cgfile("memory.current")), u, sizeof u);
		note("allocated %-10s cgroup %s: %s", a, name("memory.current"), u);
	}
	result("child:   allocated all %s and exits normally", a);
	return 0;
}

/* Step 6: how it ended, in the cgroup's own counters.  PEAK gets the peak
 * usage as text, or "n/a" before Linux 5.19 (Ubuntu 22.04 runs 5.15),
 * which has no memory.peak. */
static void report_end(int status, char *peak, size_t len)
{
	int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	long long kills = file_key(cgfile("memory.events"), "oom_kill");

	step(6,
	     code == 128 + SIGKILL ? "the child was killed by SIGKILL (exit status %d)"
				   : "the child exited with status %d",
	     code);
	note_counters(cg, v1, peak, len);
	if (kills > 0 && code == 128 + SIGKILL)
		result("ended:   killed by the OOM killer at the limit (oom_kill %lld, peak %s)",
		       kills, peak);
	else if (kills > 0) /* --shell: the killer took a command, not the shell */
		result("ended:   status %d; the OOM killer killed %lld process(es) inside (peak %s)",
		       code, kills, peak);
	else
		result("ended:   status %d, oom_kill %lld: the limit was never reached", code,
		       kills);
}

/* Step 7, on every way out (die() too).  rmdir fails (EBUSY) while a
 * process is in the cgroup - a shell's background job, say - so kill them
 * all (labs/common/cgroup.c: one write to cgroup.kill on v2, Linux 5.14+;
 * else each process listed, and only those) and wait until they have left.
 * If rmdir fails all the same, CREATED stays true. */
static void cleanup(void)
{
	char path[PATH_MAX + 32];
	int err;

	end_child(); /* through its pidfd: never a reaped child's PID */
	if (created && cgroup_remove(cg))
		created = false;
	/* Put the parent back as step 2 found it - unless a cgroup is below it
	 * now (another run's): the kernel would let "-memory" through, and take
	 * the controller, limit and all, from under that cgroup. */
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
	if (!created && enabled_memory && !cgroup_has_child(parent) &&
	    (err = write_file(path, "-memory")) != 0)
		warn_errno(err, "writing \"-memory\" to %s", path);
	remove_pidfile(&opts);
}

int main(int argc, char **argv)
{
	int err;
	int status = 0;
	char num[16];
	char peak[32];

	parse_args(argc, argv, &opts, &limit, &alloc, &chunk, &parent_opt);
	find_memory_controller();
	on_die(cleanup);
	create_cgroup();
	if (!nslab_interrupted)
		set_limit();
	if (nslab_interrupted)
		goto out;

	if (pipe2(to_child, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* No namespace this time: a plain child, on its own stack (given by
	 * its top: stacks grow down); SIGCHLD will say when it ends. */
	child = clone(child_main, child_stack + sizeof child_stack, SIGCHLD, NULL);
	if (child < 0)
		die(errno, "clone()");
	watch_child(child);
	close(to_child[0]);
	/* Step 4: moving a process in is writing its PID to cgroup.procs;
	 * what it starts later is born inside. */
	snprintf(num, sizeof num, "%d", (int)child);
	if ((err = write_file(cgfile("cgroup.procs"), num)) != 0)
		die(err, "writing %s to %s", num, cgfile("cgroup.procs"));
	step(4, "clone() -> child %d; write %d to cgroup.procs", (int)child, (int)child);
	note_proc_cgroup(child); /* the kernel's own record: /proc/CHILD/cgroup */
	write_pidfile(&opts, child);
	if (opts.shell)
		shell_owns_terminal();
	if (write(to_child[1], "x", 1) != 1) /* "you are in: go" */
		warn_errno(errno, "write(sync pipe)");
	close(to_child[1]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	watch_child(0); /* reaped: its PID may soon be someone else's */
	child = 0;
	if (nslab_interrupted)
		goto out;

	report_end(status, peak, sizeof peak);
	if (opts.hold) /* the child is gone; the cgroup and its counters stay */
		hold_cgroup(cg, v1, strcmp(peak, "n/a") != 0);
out:
	cleanup();
	if (created)
		return EXIT_RUNTIME;
	if (!nslab_interrupted) {
		step(7, "the cgroup is empty; rmdir(\"%s\")", cg);
		result("removed: %s", cg);
	}
	return demo_exit_code(status);
}
