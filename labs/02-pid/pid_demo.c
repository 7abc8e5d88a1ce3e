/*
 * pid_demo.c - Lab 02: one process, two PIDs.
 *
 * A PID namespace numbers processes on its own, from 1: the first process
 * cloned with CLONE_NEWPID is PID 1 inside - the namespace's init - while
 * the host still knows it by an ordinary PID.  Namespaces nest; the NSpid
 * line of /proc/PID/status lists a process's PID in each, outermost first.
 * Shell: `sudo unshare --pid --fork [--mount-proc] bash`.  Steps as narrated.
 */
#include "../common/nslab.h"
#include "plumbing.h"
#include "../common/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

enum { STACK_SIZE = 256 * 1024 };

static struct demo_opts opts;
static bool mount_proc;
static int nest = 1;
static pid_t child; /* level 1, by its host PID */
/* start: host -> level 1, "narrated, go on"; ready: innermost -> host,
 * "story told"; done: host -> innermost, EOF: "looked; exit (or exec)". */
static int start[2];
static int ready[2];
static int done[2];
static int check[2]; /* step 4 */
/* Level K runs on stacks[K-1] and clones level K+1 (or the middle process)
 * onto stacks[K], never onto the one it runs on: its live frames are there.
 * NEST_MAX (plumbing.h) is the kernel's limit: 32 nested PID namespaces. */
static char stacks[NEST_MAX + 1][STACK_SIZE] __attribute__((aligned(16)));

/* With --mount-proc the innermost level also gets a mount namespace. */
#define NEWNS(level) (mount_proc && (level) == nest ? CLONE_NEWNS : 0)
#define FLAG_NAMES(level) (NEWNS(level) ? "CLONE_NEWPID|CLONE_NEWNS" : "CLONE_NEWPID")

/* Step 3: what /proc shows from inside, before or after a fresh mount. */
static void look_at_proc(void)
{
	char self[32] = "";
	char comm[64];
	int count;

	if (mount_proc) {
		/* A copied mount table still passes new mounts back to the
		 * host where "/" is shared (systemd makes it so): make the
		 * whole tree private before mounting anything. */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) != 0)
			die(errno, "mount(\"proc\", \"/proc\")");
		step(3, "mount(\"/\", MS_REC|MS_PRIVATE), mount(\"proc\", \"/proc\", "
			"MS_NOSUID|MS_NOEXEC|MS_NODEV)");
		note("a proc mounted from inside this PID namespace shows this namespace");
	} else {
		step(3, "look at /proc without mounting a new one");
		note("/proc is still the host's: it was mounted from the host's PID namespace");
	}
	if (readlink("/proc/self", self, sizeof self - 1) < 0 || (count = count_proc_pids()) < 0)
		die(errno, "reading /proc");
	note("/proc/self -> %s, and /proc lists %d process%s", self, count, count == 1 ? "" : "es");
	if (mount_proc) {
		result("inside:  /proc shows only this namespace (/proc/self is %s)", self);
		return;
	}
	/* /proc/self resolves to the reader's PID where this /proc was mounted;
	 * ps (procps-ng 4) looks itself up by getpid(), a number from in here. */
	note("/proc/self resolves fine, to the host PID; ps (procps-ng 4) looks itself up");
	note("by getpid() instead, a number from in here: as PID 1 it would find the host's");
	note("\"%s\" and take that for itself, listing the host's processes; as a PID no",
	     file_line("/proc/1/comm", comm, sizeof comm) ? comm : "?");
	note("host process has, it stops with \"fatal library error, lookup self\"");
	result("inside:  /proc still shows the host (/proc/self is %s, not 1)", self);
}

/* Step 4, in the middle process: a clone() without CLONE_NEW flags is a
 * fork() that runs a function and ends when it returns.  It forks two
 * children and returns at once, without waiting: both become orphans. */
static int middle_main(void *arg)
{
	pid_t orphan;
	pid_t sleeper;
	char byte;

	(void)arg;
	close(check[1]); /* PID 1's copy alone decides EOF */
	if ((orphan = fork()) < 0)
		die(errno, "fork(orphan)");
	if (orphan == 0) {
		if (read(check[0], &byte, 1) != 1) /* until the middle is reaped */
			return EXIT_RUNTIME;
		note("orphan %d: getppid() -> %d (adopted by this namespace's init)", (int)getpid(),
		     (int)getppid());
		return 0; /* fork() copied the way out too: this ends the orphan */
	}
	if ((sleeper = fork()) < 0)
		die(errno, "fork(sleeper)");
	if (sleeper == 0)
		for (;;)
			pause(); /* until the kernel kills it */
	note("middle %d: fork() -> orphan %d and sleeper %d, then exit", (int)getpid(), (int)orphan,
	     (int)sleeper);
	return 0;
}

/* Step 4: PID 1 adopts and reaps an orphan; a sleeper is left for the
 * kernel to kill when PID 1 exits.  No handlers here (child_begin): no EINTR. */
static void show_init_duties(void)
{
	pid_t middle;
	pid_t reaped;
	int status;

	step(4, "PID 1's duties: clone() a middle process that starts two and exits");
	if (pipe2(check, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	if ((middle = clone(middle_main, stacks[nest] + STACK_SIZE, SIGCHLD, NULL)) < 0)
		die(errno, "clone()");
	close(check[0]);
	if (waitpid(middle, &status, 0) < 0)
		die(errno, "waitpid(%d)", (int)middle);
	/* A middle that failed (and said why) may have made no orphan: then
	 * waitpid(-1) below would wait for ever on the sleeper. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		exit(EXIT_RUNTIME);
	note("PID 1: waitpid(%d) reaped the middle process", (int)middle);
	if (write(check[1], "x", 1) != 1) /* "your parent is gone: look now" */
		die(errno, "write(sync pipe)");
	close(check[1]);
	/* The sleeper never ends: the one child that can is the orphan, now ours. */
	if ((reaped = waitpid(-1, &status, 0)) < 0)
		die(errno, "waitpid(-1)");
	result("inside:  PID 1 reaped orphan %d; sleeper left running", (int)reaped);
}

/* Steps 2 to 4, in PID 1 of the innermost namespace. */
static int innermost(void)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	char byte;

	step(2, "inside: getpid() -> %d, getppid() -> %d", (int)getpid(), (int)getppid());
	note("the parent lives outside this namespace, so here it has no PID at all");
	result("inside:  this process is PID %d", (int)getpid());
	look_at_proc();
	if (opts.shell)
		note("starting %s as PID 1; try `echo $$`, `ps`, `ls /proc`, then `exit`", sh);
	else
		show_init_duties();
	if (write(ready[1], "x", 1) != 1) /* "story told" */
		die(errno, "write(sync pipe)");
	while (read(done[0], &byte, 1) > 0) /* until the host has looked at us */
		;
	if (opts.shell) {
		execl(sh, sh, (char *)NULL); /* O_CLOEXEC closes the pipes */
		die(errno, "execl(\"%s\")", sh);
	}
	return 0; /* PID 1 ends, and with it the namespace */
}

/* One level of the chain, PID 1 of namespace LEVEL; it clones the next. */
static int level_main(void *arg)
{
	int level = (int)(long)arg;
	int status;
	pid_t next;
	char byte;

	child_begin();
	if (level == 1) {
		close(start[1]); /* else our copies would keep EOF from coming */
		close(ready[0]);
		close(done[1]);
		/* Wait until the host has narrated step 1: the story stays in order. */
		if (read(start[0], &byte, 1) != 1)
			return EXIT_RUNTIME;
	}
	if (level == nest)
		return innermost();
	/* Say it before cloning, so that the next level cannot print first. */
	note("level %d: PID %d here, getppid() %d; clone(%s) for level %d", level, (int)getpid(),
	     (int)getppid(), FLAG_NAMES(level + 1), level + 1);
	next = clone(level_main, stacks[level] + STACK_SIZE,
		     CLONE_NEWPID | NEWNS(level + 1) | SIGCHLD, (void *)(long)(level + 1));
	if (next < 0)
		die(errno, "clone(%s)", FLAG_NAMES(level + 1));
	close(ready[1]); /* the innermost's copy alone decides EOF */
	if (waitpid(next, &status, 0) < 0)
		die(errno, "waitpid(%d)", (int)next);
	return demo_exit_code(status); /* pass the inner status on, up */
}

/* Step 5: the host's view of the same processes; returns the sleeper. */
static pid_t show_host_view(pid_t inner)
{
	char nspid[512];
	pid_t sleeper = 0;

	if (!status_field(inner, "NSpid", nspid, sizeof nspid))
		die(errno, "reading NSpid from /proc/%d/status", (int)inner);
	step(5, "host: /proc/%d/status says NSpid: %s", (int)inner, nspid);
	note("one number per PID namespace, outermost first: the host sees inside,");
	note("inside cannot see out (getppid() was 0)");
	result("host:    the same process is PID %d here and PID 1 inside (NSpid: %s)", (int)inner,
	       nspid);
	if (!opts.shell && (sleeper = descendant(inner, 1)) > 0 &&
	    status_field(sleeper, "NSpid", nspid, sizeof nspid))
		note("the sleeper, adopted by PID 1: host PID %d, NSpid: %s", (int)sleeper, nspid);
	return sleeper;
}

/* Step 6: PID 1 is gone; so is everything that was in its namespace.  The
 * sleeper is asked through its pidfd: its PID may already be another's. */
static int show_sleeper_gone(pid_t sleeper, int pidfd)
{
	if (pidfd_signal(pidfd, 0) == 0 || errno != ESRCH)
		return claim_failed("sleeper %d outlived its PID 1", (int)sleeper);
	step(6, "host: pidfd_send_signal(pidfd of %d, 0) -> ESRCH", (int)sleeper);
	note("when PID 1 of a namespace exits, the kernel SIGKILLs every process left in it");
	result("host:    the sleeper (%d) died with the namespace's PID 1", (int)sleeper);
	return 0;
}

/* On a runtime error after clone(): no child left, no pidfile. */
static void cleanup(void)
{
	end_child();
	remove_pidfile(&opts);
}

int main(int argc, char **argv)
{
	int status;
	int sleeper_fd = -1;
	pid_t inner;
	pid_t sleeper = 0;
	char byte;

	parse_args(argc, argv, &opts, &mount_proc, &nest);
	on_die(cleanup);

	if (pipe2(start, O_CLOEXEC) || pipe2(ready, O_CLOEXEC) || pipe2(done, O_CLOEXEC))
		die(errno, "pipe2()");
	/* Level 1 runs level_main() on its own stack (given by its top: stacks
	 * grow down) as PID 1 of a new PID namespace; SIGCHLD says when it ends. */
	child = clone(level_main, stacks[0] + STACK_SIZE, CLONE_NEWPID | NEWNS(1) | SIGCHLD,
		      (void *)1);
	if (child < 0)
		die(errno, "clone(%s)", FLAG_NAMES(1));
	watch_child(child);
	step(1, "clone(%s) -> child %d (PID 1 of a new PID namespace)", FLAG_NAMES(1), (int)child);
	if (nest > 1)
		note("each level clones the next: %d namespaces deep", nest);
	close(start[0]); /* the children's ends alone decide EOF */
	close(ready[1]);
	close(done[0]);
	if (write(start[1], "x", 1) != 1) /* "go on" */
		warn_errno(errno, "write(sync pipe)");
	close(start[1]);

	/* No byte back: a level failed (it said why), or Ctrl-C came. */
	if (read(ready[0], &byte, 1) == 1) {
		if ((inner = descendant(child, nest - 1)) <= 0) /* inside cannot tell us */
			die(ESRCH, "finding the innermost process under %d", (int)child);
		/* A pidfd, while the sleeper surely lives: it never names another. */
		if ((sleeper = show_host_view(inner)) > 0 && (sleeper_fd = pidfd_for(sleeper)) < 0)
			die(errno, "pidfd_open(%d)", (int)sleeper);
		write_pidfile(&opts, inner);
		if (opts.hold)
			hold_commands(child, inner, mount_proc);
		if (opts.shell)
			shell_owns_terminal();
	}
	close(done[1]); /* EOF: the innermost may end now, or start the shell */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	remove_pidfile(&opts);
	if (nslab_interrupted || sleeper <= 0 || WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
		return demo_exit_code(status);
	return show_sleeper_gone(sleeper, sleeper_fd);
}
