/*
 * chroot_proc_demo.c - Lab 03: a root of its own, and a /proc to match.
 *
 * chroot(2) changes one thing: the directory where absolute paths start.
 * A fresh root filesystem has an empty /proc, because proc is not files
 * on disk but a filesystem the kernel makes when it is mounted; mounted
 * from inside a new PID namespace, it shows only that namespace.  The
 * shell way:  sudo unshare --pid --fork --mount chroot ~/rootfs sh
 * then `ps; mount -t proc proc /proc; ps`.  The steps, as narrated:
 *   1. the root filesystem: labs/rootfs, built by `make` (or --rootfs DIR);
 *   2. clone a child with CLONE_NEWPID | CLONE_NEWNS: PID 1 of a new PID
 *      namespace, with its own copy of the mount table;
 *   3. inside, make "/" recursively private, before mounting anything;
 *   4. chroot() into the rootfs;
 *   5. /proc there is an empty directory, so ps finds no processes
 *      (--hold-before-mount waits here, for a look from outside);
 *   6. mount a fresh proc on /proc;
 *   7. exec /bin/sh as PID 1; it runs ps, which now shows sh as PID 1;
 *   8. the host looks in: /proc/PID/root and the child's mountinfo;
 *   9. sh unmounts /proc and exits; the host has no mount under the rootfs.
 *
 * chroot() alone is not isolation: a root process can leave it (Lab 06).
 * Runtimes use pivot_root(2) and detach the old root: nothing to climb to.
 */
#include "../common/nslab.h"
#include "../common/mountinfo.h"
#include "plumbing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

/* What PID 1's sh runs: ps (not with --quiet), then "ready" on fd 4; then
 * it waits for the parent's EOF on fd 3 and unmounts /proc on its way out. */
static const char sh_script[] = "[ \"$1\" = quiet ] || ps -e -o pid,user,comm; "
				"printf . >&4; exec 4>&-; read -r _ <&3; umount /proc";

static struct demo_opts opts;
static bool hold_before_mount;
static char rootfs[PATH_MAX];
static int to_child[2];	 /* the sync pipes, one each way: */
static int to_parent[2]; /* a byte says "go on", EOF "done" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		die(errno, "opendir(\"%s\")", dir);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Step 5's ps, as a child of ours: PID 2 of the new namespace. */
static void run_ps(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die(errno, "fork()");
	if (pid == 0) {
		execl("/bin/ps", "ps", (char *)NULL);
		warn_errno(errno, "execl(\"/bin/ps\")");
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)pid);
}

/* Hand pipe end FD to the shell as fd TO.  When FD already is TO, dup2()
 * does nothing and close-on-exec stays set: clear it by hand then. */
static void pass_fd(int fd, int to)
{
	if (fd == to ? fcntl(fd, F_SETFD, 0) != 0 : dup2(fd, to) != to)
		die(errno, "dup2(%d, %d)", fd, to);
}

static int child_main(void *arg)
{
	char byte;
	int entries;

	(void)arg;
	child_begin();
	/* Drop the parent's pipe ends (else EOF could never reach us), and
	 * start only once the parent has told step 2. */
	close(to_child[1]);
	close(to_parent[0]);
	if (read(to_child[0], &byte, 1) != 1)
		return 1;

	/* Our mount table is a copy of the host's, and so are the propagation
	 * settings: on a shared "/" (systemd's default) a mount made here
	 * would appear on the host too.  Make the whole tree private first. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
	step(3, "mount(\"/\", MS_REC|MS_PRIVATE): nothing mounted here reaches the host");

	if (chroot(rootfs) != 0)
		die(errno, "chroot(\"%s\")", rootfs);
	/* chroot() does not move the current directory: chdir("/") does. */
	if (chdir("/") != 0)
		die(errno, "chdir(\"/\")");
	step(4, "chroot(\"%s\"), chdir(\"/\"): this is \"/\" now", rootfs);
	note("chroot only moves where path lookup starts; a root process can still");
	note("get out (Lab 06 shows how). Runtimes use pivot_root(2) instead.");

	entries = count_entries("/proc");
	step(5, "/proc has %d entries: nothing is mounted there yet, so ps sees nothing:", entries);
	if (!opts.quiet)
		run_ps();
	if (entries != 0) /* a rootfs with files in its proc directory */
		return claim_failed("%s/proc is not empty before any mount: use a fresh rootfs",
				    rootfs);
	result("inside:  before mounting proc, /proc is empty");
	if (hold_before_mount) { /* "at step 5", then wait for "go on" */
		if (write(to_parent[1], "x", 1) != 1)
			die(errno, "write(sync pipe)");
		if (read(to_child[0], &byte, 1) != 1)
			return 1;
	}

	/* The flags are hygiene: nothing in /proc should be set-uid,
	 * executable or a device node. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) != 0)
		die(errno, "mount(\"proc\", \"/proc\")");
	step(6, "mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NOEXEC|MS_NODEV)");
	note("mounted from inside our PID namespace, it shows only our processes");

	if (opts.shell) {
		step(7, "execl(\"/bin/sh\") as PID 1, a shell for you");
		note("try `ps`, `ls /proc`, `mount`, then `exit`");
		if (write(to_parent[1], "x", 1) != 1) /* "ready" */
			die(errno, "write(sync pipe)");
		/* Wait for EOF, so the host has looked in before sh may end. */
		while (read(to_child[0], &byte, 1) > 0)
			;
		execl("/bin/sh", "sh", (char *)NULL);
		die(errno, "execl(\"/bin/sh\")");
	}
	pass_fd(to_child[0], 3);
	pass_fd(to_parent[1], 4);
	step(7, "execl(\"/bin/sh\") as PID 1, which runs ps:");
	/* exec replaces this process: sh is PID 1 now, not a child of it. */
	execl("/bin/sh", "sh", "-c", sh_script, "sh", opts.quiet ? "quiet" : "", (char *)NULL);
	die(errno, "execl(\"/bin/sh\")");
}

/* --hold-before-mount: the child waits at step 5, so the empty /proc can
 * be seen from outside, through the child's root, not only by its ps. */
static void hold_at_step_5(pid_t child)
{
	char cmd[3][80];

	note("the child waits before step 6, chrooted, nothing on /proc; then 6 to 9 follow");
	write_pidfile(&opts, child);
	snprintf(cmd[0], 80, "sudo ls -A /proc/%d/root/proc", (int)child);
	snprintf(cmd[1], 80, "sudo findmnt -N %d", (int)child);
	snprintf(cmd[2], 80, "sudo readlink /proc/%d/root", (int)child);
	hold_then = "go on with steps 6 to 9"; /* Enter, or a signal to the program */
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], NULL });
}

/* Does the child's own mount table, /proc/PID/mountinfo, list a proc
 * mounted at /proc?  Mount points there are seen from the child's root. */
static bool has_proc_mount(pid_t pid)
{
	char path[64];
	struct mount_entry m;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)pid);
	f = mountinfo_open(path);
	while (!found && mountinfo_next(f, &m))
		found = strcmp(m.point, "/proc") == 0 && strcmp(m.fstype, "proc") == 0;
	fclose(f);
	return found;
}

/* Step 8: the host looks in, through the child's /proc/PID files. */
static void look_from_outside(pid_t child)
{
	char path[64];
	char root[PATH_MAX];
	char cmd[3][80];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/root", (int)child);
	if ((n = readlink(path, root, sizeof root - 1)) < 0)
		die(errno, "readlink(\"%s\")", path);
	root[n] = '\0';
	step(8, "host: readlink(\"%s\") -> %s", path, root);
	note("and /proc/%d/mountinfo %s a proc on /proc", (int)child,
	     has_proc_mount(child) ? "lists" : "does NOT list");
	result("host:    the child's root is %s", root);
	write_pidfile(&opts, child);
	snprintf(cmd[0], 80, "sudo readlink /proc/%d/root", (int)child);
	snprintf(cmd[1], 80, "sudo findmnt -N %d", (int)child);
	snprintf(cmd[2], 80, "sudo nsenter -t %d -p -m -r ps -e -o pid,user,comm", (int)child);
	if (opts.hold)
		hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], NULL });
}

int main(int argc, char **argv)
{
	const char *rootfs_option = NULL;
	int status;
	int left;
	pid_t child;
	char byte;

	parse_args(argc, argv, &opts, &rootfs_option, &hold_before_mount);
	choose_clean_rootfs(rootfs_option, rootfs);
	step(1, "the root filesystem: %s%s", rootfs,
	     rootfs_option ? "" : " (built by make with tools/mkrootfs)");

	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* The child runs child_main() on its own stack (given by its top:
	 * stacks grow down) as PID 1 of a new PID namespace, with a copy of
	 * our mount table; SIGCHLD will say when it ends. */
	child = clone(child_main, child_stack + sizeof child_stack,
		      CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, NULL);
	if (child < 0)
		die(errno, "clone(CLONE_NEWPID|CLONE_NEWNS)");
	watch_child(child);
	step(2, "clone(CLONE_NEWPID|CLONE_NEWNS) -> child %d (PID 1 inside)", (int)child);
	close(to_parent[1]);		     /* so that the child's end of it alone decides EOF */
	if (write(to_child[1], "x", 1) != 1) /* "go on" */
		warn_errno(errno, "write(sync pipe)");

	/* No byte back: the child failed (it said why), or Ctrl-C came. */
	if (hold_before_mount && read(to_parent[0], &byte, 1) == 1) {
		hold_at_step_5(child);
		if (write(to_child[1], "x", 1) != 1) /* "go on with step 6" */
			warn_errno(errno, "write(sync pipe)");
	}
	if (read(to_parent[0], &byte, 1) == 1) { /* sh has run ps */
		look_from_outside(child);
		if (opts.shell)
			shell_owns_terminal();
	}
	close(to_child[1]); /* EOF: sh may start (--shell), or unmount /proc and exit */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	remove_pidfile(&opts);
	if (nslab_interrupted)
		return demo_exit_code(status);

	/* The proc mount lived in the child's mount namespace, which died with
	 * its last process; with "/" private, the host never saw it. */
	left = mounts_under(rootfs);
	step(9, "the child exited (status %d); host mounts under %s: %d", demo_exit_code(status),
	     rootfs, left);
	if (left)
		return claim_failed("%d mount(s) left under %s", left, rootfs);
	result("host:    nothing is left mounted; exit status %d", demo_exit_code(status));
	return demo_exit_code(status);
}
