/*
 * user_demo.c - Lab 07: root inside, an ordinary user outside.
 *
 * A user namespace has user and group ids of its own.  Its first process
 * holds every capability, but only over what the namespace owns, and it
 * is nobody (the overflow id) until someone writes its maps: "uid 0 in
 * here is uid 1000 out there".  It is the one namespace an ordinary user
 * may create, so this lab runs WITHOUT sudo - the ground rootless
 * containers stand on.  The shell way: `unshare --user --map-root-user`.
 */
#include "../common/nslab.h"
#include "plumbing.h"
#include "../common/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct demo_opts opts;
static const char *hostname = "nslab-user";
static const char secret[] = "/etc/shadow"; /* mode 0640, root:shadow: not ours */
static int to_child[2];			    /* the sync pipes, one each way: */
static int to_parent[2];		    /* a byte says "go on", EOF "done" */
static pid_t child;
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* Steps 3 and 5, in the child: who the kernel says we are, and our
 * capabilities, read from our own /proc/self/status. */
static void who_am_i(int n, const char *when)
{
	char uid[64];
	char gid[64];
	char cap[64];

	if (!status_field(0, "Uid", uid, sizeof uid) || !status_field(0, "Gid", gid, sizeof gid) ||
	    !status_field(0, "CapEff", cap, sizeof cap))
		die(errno, "reading /proc/self/status");
	step(n, "inside, %s: getuid() -> %d, getgid() -> %d", when, (int)getuid(), (int)getgid());
	note("/proc/self/status: Uid %s, Gid %s", uid, gid);
	note("                   CapEff %s (%s)", cap, capability_words(cap));
	if (n == 3) {
		note("no map yet: an id with no mapping shows as the overflow id");
		note("(/proc/sys/kernel/overflowuid); the capabilities came with the namespace");
	} else
		result("inside:  uid %d, gid %d, %s", (int)getuid(), (int)getgid(),
		       capability_words(cap));
}

/* Step 6: this root tries what only the host's root may do.  The host's
 * UTS namespace belongs to the host's user namespace, where we hold no
 * capability; the file's owner has no id in here, so ours do not apply. */
static bool what_it_cannot_do(void)
{
	char name[HOST_NAME_MAX + 1];
	int fd;
	int name_err = 0;
	int open_err = 0;
	struct stat st;

	/* The host's own name, set again: harmless even if it were allowed. */
	if (gethostname(name, sizeof name) != 0)
		die(errno, "gethostname()");
	if (sethostname(name, strlen(name)) != 0)
		name_err = errno;
	if ((fd = open(secret, O_RDONLY | O_CLOEXEC)) < 0)
		open_err = errno;
	else
		close(fd);
	if (stat(secret, &st) != 0)
		die(errno, "stat(\"%s\")", secret);
	step(6, "what this root cannot do to the host:");
	note("sethostname(\"%s\") on the host's UTS namespace -> %s", name,
	     name_err ? errname(name_err) : "WORKED (it should not)");
	note("  (that namespace belongs to the host's user namespace: no capability there)");
	note("open(\"%s\") -> %s", secret, open_err ? errname(open_err) : "opened");
	note("stat(\"%s\") -> owner %d, group %d", secret, (int)st.st_uid, (int)st.st_gid);
	if (open_err) {
		note("  (ids with no mapping here: our capabilities do not reach such files)");
		result("cannot:  rename the host (%s), read %s (%s); root's files show owner %d",
		       name_err ? errname(name_err) : "it WORKED", secret, errname(open_err),
		       (int)st.st_uid);
	} else /* run by root: uid 0 inside is uid 0 outside, the file's owner */
		result("cannot:  rename the host (%s); %s opens: real root is root in here",
		       name_err ? errname(name_err) : "it WORKED", secret);
	return name_err != 0;
}

/* Step 7: what it can do - a UTS namespace of its own, which its user
 * namespace owns, and there its capabilities count. */
static void what_it_can_do(void)
{
	char name[HOST_NAME_MAX + 1];

	if (unshare(CLONE_NEWUTS) != 0)
		refused(errno, "unshare(CLONE_NEWUTS)");
	if (sethostname(hostname, strlen(hostname)) != 0)
		refused(errno, "sethostname() in the new UTS namespace");
	if (gethostname(name, sizeof name) != 0)
		die(errno, "gethostname()");
	step(7, "unshare(CLONE_NEWUTS), sethostname(\"%s\") -> gethostname() \"%s\"", hostname,
	     name);
	note("the new UTS namespace is owned by our user namespace: our root counts there");
	result("inside:  hostname is %s", name);
}

/* Steps 3, 5, 6 and 7 run here, in the child, in the new user namespace. */
static int child_main(void *arg)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	bool ok;
	char byte;

	(void)arg;
	child_begin();
	close(to_child[1]); /* the parent's ends: while we hold them, no EOF */
	close(to_parent[0]);
	if (read(to_child[0], &byte, 1) != 1) /* the parent has narrated step 2 */
		return 1;
	who_am_i(3, "before any map");
	if (write(to_parent[1], "x", 1) != 1) /* "looked: write my maps" */
		die(errno, "write(sync pipe)");
	if (read(to_child[0], &byte, 1) != 1) /* "maps written" (EOF: it failed) */
		return 1;
	who_am_i(5, "after the maps");
	ok = what_it_cannot_do();
	what_it_can_do();
	if (write(to_parent[1], "x", 1) != 1) /* "story told" */
		die(errno, "write(sync pipe)");
	/* Stay, and with us our two namespaces, until the parent hangs up.  It
	 * has told the host's side by then, so a shell starts after the last
	 * line of the story, not in the middle of it. */
	while (read(to_child[0], &byte, 1) > 0)
		;
	if (!opts.shell)
		return ok ? 0 : 1;
	execl(sh, sh, (char *)NULL); /* O_CLOEXEC closes the pipes */
	die(errno, "execl(\"%s\")", sh);
}

/* Step 4: one line into one of the child's files in /proc.  A map must
 * be written whole, in one write(), and only once. */
static void write_proc(const char *file, const char *text)
{
	char path[64];
	char call[128];
	ssize_t len = (ssize_t)strlen(text);
	int fd;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)child, file);
	snprintf(call, sizeof call, "writing \"%s\" to %s", text, path);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		refused(errno, call);
	if (write(fd, text, len) != len) {
		int err = errno;

		close(fd);
		refused(err, call);
	}
	close(fd);
	note("%-22s <- \"%s\"", path, text);
}

/* Step 8: the host's view of the child, from the host's own /proc files. */
static void seen_from_the_host(void)
{
	const char *files[] = { "uid_map", "gid_map", "setgroups" };
	char path[64];
	char line[128];
	char uid[64];
	char gid[64];
	char cap[64];
	char name[HOST_NAME_MAX + 1];

	step(8, "from the host (uid %d), what the kernel says about child %d:", (int)getuid(),
	     (int)child);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/proc/%d/%s", (int)child, files[i]);
		if (!file_line(path, line, sizeof line))
			die(errno, "reading %s", path);
		note("%-22s %s", path, line);
	}
	if (!status_field(child, "Uid", uid, sizeof uid) ||
	    !status_field(child, "Gid", gid, sizeof gid) ||
	    !status_field(child, "CapEff", cap, sizeof cap))
		die(errno, "reading /proc/%d/status", (int)child);
	note("/proc/%d/status: Uid %s, Gid %s, CapEff %s", (int)child, uid, gid, cap);
	if (gethostname(name, sizeof name) != 0)
		die(errno, "gethostname()");
	result("outside: child %d is uid %d, gid %d; its capabilities count only inside",
	       (int)child, (int)getuid(), (int)getgid());
	result("host:    hostname is %s (unchanged)", name);
}

static void stop_child(void) /* on_die: no child outlives the demo */
{
	end_child();
}

int main(int argc, char **argv)
{
	int status;
	char byte;
	char map[64];
	/* Run by root, its processes are root's: lsns and nsenter need sudo. */
	const char *sudo = getuid() == 0 ? "sudo " : "";

	parse_args(argc, argv, &opts, &hostname);
	step(1, "on the host: getuid() -> %d, getgid() -> %d%s", (int)getuid(), (int)getgid(),
	     getuid() ? " (an ordinary user: no sudo needed)" : "");
	if (getuid() == 0) {
		note("you are root, so uid 0 inside will be uid 0 outside; the point of this");
		note("lab is an ordinary user mapped to root: run it again without sudo");
	}
	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* child_main() runs on child_stack, handed over by its top end (a
	 * stack grows down), in a new user namespace; SIGCHLD reports its end. */
	child = clone(child_main, child_stack + sizeof child_stack, CLONE_NEWUSER | SIGCHLD, NULL);
	if (child < 0)
		refused(errno, "clone(CLONE_NEWUSER)");
	watch_child(child);
	on_die(stop_child);
	step(2, "clone(CLONE_NEWUSER) -> child %d, in a user namespace of its own", (int)child);
	close(to_parent[1]);		     /* the child's copy is then the only writer left */
	if (write(to_child[1], "x", 1) != 1) /* "go on" */
		warn_errno(errno, "write(sync pipe)");

	/* The maps are written from outside, once the child has looked at
	 * itself without them.  An ordinary user may map one id, its own, and
	 * the gid only after denying setgroups(2) in there for good: else
	 * dropping a group could unlock a file whose mode shuts that group out. */
	if (read(to_parent[0], &byte, 1) == 1) {
		step(4, "the parent writes the child's maps (\"inside outside count\"):");
		write_proc("setgroups", "deny");
		snprintf(map, sizeof map, "0 %d 1", (int)getuid());
		write_proc("uid_map", map);
		snprintf(map, sizeof map, "0 %d 1", (int)getgid());
		write_proc("gid_map", map);
		if (write(to_child[1], "x", 1) != 1) /* "maps written" */
			warn_errno(errno, "write(sync pipe)");
	}
	/* EOF instead of a byte: the child has died (after saying why) or a
	 * signal ended the run; either way, straight to the cleanup. */
	if (read(to_parent[0], &byte, 1) == 1) {
		seen_from_the_host();
		write_pidfile(&opts, child);
		if (opts.hold)
			hold_commands(child, sudo);
		if (opts.shell) {
			note("a shell runs inside; try `id`, `hostname`, `cat /proc/self/uid_map`, `exit`");
			shell_owns_terminal();
		}
	}
	close(to_child[1]); /* hang up: the child returns, or becomes its shell */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	on_die(NULL);
	remove_pidfile(&opts);
	return demo_exit_code(status);
}
