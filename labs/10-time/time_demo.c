/*
 * time_demo.c - Lab 10: clocks that run ahead, inside only.
 *
 * A time namespace holds two offsets, one for CLOCK_MONOTONIC and one for
 * CLOCK_BOOTTIME (what /proc/uptime shows), which the kernel adds to those
 * clocks for every process in it - so that a container moved to another
 * machine can keep its uptime.  CLOCK_REALTIME, the wall clock `date`
 * prints, has no offset: there is one for the whole machine.
 *
 * The order is the lesson.  unshare(CLONE_NEWTIME) makes the namespace for
 * the caller's future children (the caller stays where it is); the offsets
 * go into /proc/self/timens_offsets while it is still empty; the first
 * child to enter freezes them.  clone() cannot take CLONE_NEWTIME: its bit
 * (0x80) lies in the byte where clone() takes the child's exit signal.
 * Shell: `sudo unshare --time --fork --monotonic 864000 --boottime 864000 bash`.
 */
#include "../common/nslab.h"
#include "plumbing.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct demo_opts opts;
static long long offset = 10 * 86400; /* seconds, for both clocks */
static pid_t child;
static char offsets_file[64]; /* /proc/CHILD/timens_offsets */
static int to_child[2];	      /* the sync pipes, one each way: */
static int to_parent[2];      /* a byte says "go on", EOF "done" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* One look at the clocks, in nanoseconds (/proc/uptime has hundredths). */
struct clocks {
	long long mono;
	long long boot;
	long long real;
	long long uptime;
};
static struct clocks host; /* step 1's; the child inherits a copy */

static long long clock_ns(clockid_t id, const char *name)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		die(errno, "clock_gettime(%s)", name);
	return ts.tv_sec * NS + ts.tv_nsec;
}

/* Three clocks, and /proc/uptime: the kernel adds the boottime offset there too. */
static struct clocks read_clocks(void)
{
	struct clocks c = { clock_ns(CLOCK_MONOTONIC, "CLOCK_MONOTONIC"),
			    clock_ns(CLOCK_BOOTTIME, "CLOCK_BOOTTIME"),
			    clock_ns(CLOCK_REALTIME, "CLOCK_REALTIME"), 0 };
	FILE *f = fopen("/proc/uptime", "re");
	long long s;
	long long cs;

	if (!f || fscanf(f, "%lld.%2lld", &s, &cs) != 2)
		die(f ? EIO : errno, "reading /proc/uptime");
	fclose(f);
	c.uptime = s * NS + cs * (NS / 100);
	return c;
}

/* Step 5, in the child: each clock, and how far it moved since step 1.
 * CLOCK_REALTIME has no offset, so its move is the time that passed. */
static int show_clocks_inside(void)
{
	struct clocks in = read_clocks();
	long long passed = in.real - host.real;
	long long shift = offset * NS;

	step(5, "inside: the same clocks, and how far each moved since step 1");
	note("CLOCK_MONOTONIC  %-14s %s", secs(in.mono, false).s,
	     secs(in.mono - host.mono, true).s);
	note("CLOCK_BOOTTIME   %-14s %s", secs(in.boot, false).s,
	     secs(in.boot - host.boot, true).s);
	note("/proc/uptime     %-14s %s", secs(in.uptime, false).s,
	     secs(in.uptime - host.uptime, true).s);
	note("CLOCK_REALTIME   %s  %s (only the time that passed)", wall(in.real).s,
	     secs(passed, true).s);
	if (!near(in.mono - host.mono - passed, shift) ||
	    !near(in.boot - host.boot - passed, shift) ||
	    !near(in.uptime - host.uptime - passed, shift)) {
		result("inside:  the clocks did NOT move by %lld s", offset);
		return EXIT_RUNTIME;
	}
	result("inside:  monotonic and boot time (uptime) are %lld s %s; the wall clock (date) is not",
	       offset < 0 ? -offset : offset, offset < 0 ? "behind" : "ahead");
	return 0;
}

/* The child: in the new time namespace from its first instruction. */
static int child_main(void *arg)
{
	char go;
	int code;

	(void)arg;
	child_begin();
	/* Our copies of the parent's ends go, or they would hold EOF back. */
	close(to_parent[0]);
	close(to_child[1]);
	if (read(to_child[0], &go, 1) != 1) /* until step 4 is told */
		return EXIT_RUNTIME;
	code = show_clocks_inside();
	if (write(to_parent[1], "x", 1) != 1) /* "step 5 told" */
		die(errno, "write(sync pipe)");
	while (read(to_child[0], &go, 1) > 0) /* until EOF: the host has looked */
		;
	if (opts.shell) {
		const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";

		execl(sh, sh, (char *)NULL); /* O_CLOEXEC closes the pipes */
		die(errno, "execl(\"%s\")", sh);
	}
	return code;
}

/* Steps 3 and 7: both offsets in one write(), a line per clock:
 * "<clock> <seconds> <nanoseconds>".  0, or the errno. */
static int write_offsets(void)
{
	char text[96];
	int len =
		snprintf(text, sizeof text, "monotonic %lld 0\nboottime %lld 0\n", offset, offset);
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, len) != len)
		err = errno;
	close(fd);
	return err;
}

/* Step 6: the child's namespace, and the host's own clocks, from outside. */
static int show_host_view(void)
{
	char path[64];
	char seen[96] = "";
	struct clocks now = read_clocks();
	struct text mine = ns_link("/proc/self/ns/time");
	struct text inside;

	snprintf(path, sizeof path, "/proc/%d/ns/time", (int)child);
	inside = ns_link(path);
	step(6, "host: the child's namespace from outside, and our own clocks");
	note("%s -> %s, our time_for_children; ours is %s", path, inside.s, mine.s);
	/* timens_offsets shows the namespace of CHILD's children: CHILD's own. */
	if (!offsets_seen(offsets_file, offset, seen, sizeof seen) ||
	    strcmp(inside.s, mine.s) == 0) {
		result("host:    the child is NOT in a time namespace of its own (%s)", seen);
		return EXIT_RUNTIME;
	}
	note("%s: %s", offsets_file, seen);
	note("CLOCK_MONOTONIC %s, CLOCK_BOOTTIME %s: no offset here", secs(now.mono, false).s,
	     secs(now.boot, false).s);
	result("host:    /proc/uptime is %s (%s since step 1): the host's clocks did not move",
	       secs(now.uptime, false).s, secs(now.uptime - host.uptime, true).s);
	return near(now.uptime - host.uptime, now.real - host.real) ? 0 : EXIT_RUNTIME;
}

/* Step 7: step 3's write again, too late.  0 if the kernel refused it. */
static int show_offsets_frozen(void)
{
	int err = write_offsets();
	const char *name = err ? strerrorname_np(err) : "accepted";
	char seen[96] = "";

	step(7, "write the offsets again, now that child %d is inside -> %s", (int)child,
	     name ? name : "an error");
	note("the first process to enter freezes them: a clock it has read never jumps");
	if (err != EACCES || !offsets_seen(offsets_file, offset, seen, sizeof seen)) {
		result("offsets NOT frozen as they should be (%s)", seen);
		return EXIT_RUNTIME;
	}
	result("offsets frozen: %s still says %s", offsets_file, seen);
	return 0;
}

int main(int argc, char **argv)
{
	int err;
	int status;
	int code = 0;
	char byte;

	parse_args(argc, argv, &opts, &offset);
	host = read_clocks();
	step(1, "host: the clocks before anything changes");
	note("CLOCK_MONOTONIC  %-14s since boot, not counting time suspended",
	     secs(host.mono, false).s);
	note("CLOCK_BOOTTIME   %-14s since boot, suspended time included",
	     secs(host.boot, false).s);
	note("/proc/uptime     %-14s CLOCK_BOOTTIME again, as `uptime` reads it",
	     secs(host.uptime, false).s);
	note("CLOCK_REALTIME   %s, the wall clock `date` prints", wall(host.real).s);
	if (nslab_interrupted)
		return demo_exit_code(0);

	/* Unknown to unshare() before Linux 5.6 (or without CONFIG_TIME_NS),
	 * the flag is EINVAL; a seccomp filter may answer ENOSYS. */
	if (unshare(CLONE_NEWTIME) != 0) {
		if (errno == EINVAL || errno == ENOSYS)
			die_hint(
				errno,
				"this kernel has no time namespaces; "
				"they need Linux 5.6 or later, built with CONFIG_TIME_NS (see uname -r)",
				"unshare(CLONE_NEWTIME)");
		die(errno, "unshare(CLONE_NEWTIME)");
	}
	step(2, "unshare(CLONE_NEWTIME): a new time namespace, for our children only");
	note("/proc/self/ns/time              -> %s (we stay)", ns_link("/proc/self/ns/time").s);
	note("/proc/self/ns/time_for_children -> %s (our next child's)",
	     ns_link("/proc/self/ns/time_for_children").s);
	if (nslab_interrupted)
		return demo_exit_code(0);

	if ((err = write_offsets()) == ERANGE || err == EACCES)
		die_hint(
			err,
			err == EACCES
				? "a process has entered the namespace already: its offsets are frozen"
				: "a clock inside would start below zero: a negative --offset may be at "
				  "most CLOCK_MONOTONIC (step 1)",
			"write(/proc/self/timens_offsets)");
	else if (err)
		die(err, "write(/proc/self/timens_offsets)");
	step(3, "write \"monotonic %lld 0\" and \"boottime %lld 0\" to /proc/self/timens_offsets",
	     offset, offset);
	note("seconds and nanoseconds per clock; allowed while no process is in the namespace");
	if (nslab_interrupted)
		return demo_exit_code(0);

	/* Nothing on the host needs cleaning up: a namespace lives as long as a
	 * process in it, and a child of ours dies with us (child_begin()). */
	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* The child runs child_main() on its own stack (given by its top: stacks
	 * grow down); SIGCHLD will say when it ends.  No CLONE_NEW flag: see step 4. */
	child = clone(child_main, child_stack + sizeof child_stack, SIGCHLD, NULL);
	if (child < 0)
		die(errno, "clone()");
	watch_child(child);
	step(4, "clone(SIGCHLD) -> child %d, the first process in the new time namespace",
	     (int)child);
	note("no CLONE_NEW flag: a child starts in its parent's time_for_children");
	snprintf(offsets_file, sizeof offsets_file, "/proc/%d/timens_offsets", (int)child);
	close(to_parent[1]);		     /* so that the child's end of it alone decides EOF */
	if (write(to_child[1], "x", 1) != 1) /* "go on" */
		warn_errno(errno, "write(sync pipe)");

	/* No byte back: the child failed (it said why), or Ctrl-C came. */
	if (read(to_parent[0], &byte, 1) == 1) {
		code = show_host_view();
		code = show_offsets_frozen() ? EXIT_RUNTIME : code;
		write_pidfile(&opts, child);
		if (opts.hold)
			hold_commands(child, offsets_file);
		if (opts.shell) {
			note("a shell runs inside; try `cat /proc/uptime`, `uptime`, `date`, then `exit`");
			shell_owns_terminal();
		}
	}
	close(to_child[1]); /* EOF: the child may return now, or exec the shell */
	/* A signal makes waitpid() fail with EINTR (the child is being killed): wait on. */
	while (waitpid(child, &status, 0) != child)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	remove_pidfile(&opts);
	return code && !nslab_interrupted ? code : demo_exit_code(status);
}
