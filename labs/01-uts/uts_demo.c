/*
 * uts_demo.c - Lab 01: a hostname that changes only inside.
 *
 * A UTS namespace holds two strings, the hostname and the NIS domain
 * name.  A child cloned with CLONE_NEWUTS starts with a copy of them;
 * what it changes afterwards, only its own namespace sees (the shell
 * way: `sudo unshare --uts bash`, then `hostname new`).
 */
#include "../common/nslab.h"
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static struct demo_opts opts;
static const char *hostname = "nslab-uts";
static const char *domainname;
static int to_child[2];	 /* the sync pipes, one each way: */
static int to_parent[2]; /* a byte says "go on", EOF "done" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* Steps 3 and 4 run here, in the child, inside the new UTS namespace. */
static int child_main(void *arg)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	struct utsname u;
	char byte;

	(void)arg;
	child_begin();
	close(to_child[1]); /* else our own copy would keep EOF from coming */
	close(to_parent[0]);
	/* Wait until the parent has narrated step 2: the story stays in order. */
	if (read(to_child[0], &byte, 1) != 1)
		return 1;
	if (sethostname(hostname, strlen(hostname)) != 0)
		die(errno, "sethostname(\"%s\")", hostname);
	step(3, "sethostname(\"%s\") inside the new namespace", hostname);
	if (domainname && setdomainname(domainname, strlen(domainname)) != 0)
		die(errno, "setdomainname(\"%s\")", domainname);
	if (domainname)
		note("setdomainname(\"%s\") too", domainname);
	if (uname(&u) != 0)
		die(errno, "uname()");
	step(4, "uname() inside -> nodename \"%s\", domainname \"%s\"", u.nodename, u.domainname);
	result("inside:  hostname is %s", u.nodename);
	if (write(to_parent[1], "x", 1) != 1) /* "my names are set" */
		die(errno, "write(sync pipe)");
	/* Keep the namespace alive until the parent has looked (EOF): it lasts
	 * only as long as a process is in it, and a shell may exit at once. */
	while (read(to_child[0], &byte, 1) > 0)
		;
	if (!opts.shell)
		return 0;
	execl(sh, sh, (char *)NULL); /* the shell: PID and all, the child becomes it */
	die(errno, "execl(\"%s\")", sh);
}

/* Steps 1 and 5: the host's own name, before and after, compared. */
static void host_hostname(int n, const char *when)
{
	static char before[HOST_NAME_MAX + 1];
	char name[HOST_NAME_MAX + 1];

	if (gethostname(name, sizeof name) != 0)
		die(errno, "gethostname()");
	step(n, "gethostname() on the host %s -> \"%s\"", when, name);
	if (n == 1)
		memcpy(before, name, sizeof name);
	else if (strcmp(name, before) == 0)
		result("host:    hostname is %s (unchanged)", name);
	else
		result("host:    hostname is %s, CHANGED from %s: no UTS namespace of its own",
		       name, before);
}

/* Step 6: a namespace is a file in /proc/PID/ns/, and readlink names it
 * "uts:[inode]" (the number lsns prints).  Two processes share a
 * namespace exactly when their links name the same inode. */
static bool namespaces_differ(pid_t child)
{
	char path[64];
	char host[64] = "";
	char inside[64] = "";

	snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)child);
	if (readlink("/proc/self/ns/uts", host, 63) < 0 || readlink(path, inside, 63) < 0)
		die(errno, "readlink(\"%s\")", path);
	step(6, "compare the namespace files:");
	note("/proc/self/ns/uts  -> %s", host);
	note("%-18s -> %s", path, inside);
	result("namespaces %s: host %s, child %s", strcmp(host, inside) ? "differ" : "are THE SAME",
	       host, inside);
	return strcmp(host, inside) != 0;
}

int main(int argc, char **argv)
{
	int status;
	int code = 0;
	char byte;
	char cmd[3][64];
	pid_t child;

	parse_args(argc, argv, &opts, &hostname, &domainname);
	host_hostname(1, "before");
	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* The child runs child_main() on its own stack (given by its top: stacks
	 * grow down) in a new UTS namespace; SIGCHLD will say when it ends. */
	child = clone(child_main, child_stack + sizeof child_stack, CLONE_NEWUTS | SIGCHLD, NULL);
	if (child < 0)
		die(errno, "clone(CLONE_NEWUTS)");
	step(2, "clone(CLONE_NEWUTS) -> child %d (inside its own UTS namespace)", (int)child);
	note("the child starts with a copy of the host's names");
	watch_child(child);		     /* from now on Ctrl-C ends the child too */
	close(to_parent[1]);		     /* so that the child's end of it alone decides EOF */
	if (write(to_child[1], "x", 1) != 1) /* "go on" */
		warn_errno(errno, "write(sync pipe)");

	/* No byte back: the child failed (it said why), or Ctrl-C came. */
	if (read(to_parent[0], &byte, 1) == 1) {
		host_hostname(5, "after ");
		code = namespaces_differ(child) ? 0 : EXIT_RUNTIME;
		write_pidfile(&opts, child);
		if (opts.hold) { /* the commands to try, the child's PID filled in */
			snprintf(cmd[0], 64, "sudo lsns -t uts -p %d", (int)child);
			snprintf(cmd[1], 64, "sudo nsenter -t %d -u hostname", (int)child);
			snprintf(cmd[2], 64, "sudo readlink /proc/%d/ns/uts", (int)child);
			hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], NULL });
		}
		if (opts.shell) {
			note("a shell runs inside; try `hostname`, then `exit`");
			shell_owns_terminal();
		}
	}
	close(to_child[1]); /* EOF: the child may end now (a shell ends by itself) */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	remove_pidfile(&opts);
	return code ? code : demo_exit_code(status);
}
