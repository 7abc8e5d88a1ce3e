/*
 * cgroupns_demo.c - Lab 09: a cgroup namespace, where your own cgroup is "/".
 *
 * /proc/self/cgroup names the cgroup a process is in as a path from the
 * root of each hierarchy: "0::/nslab-cgns-4321".  A cgroup namespace moves
 * that root.  unshare(CLONE_NEWCGROUP) makes the cgroup the caller is in
 * at that moment the "/" of the new namespace, so a container reads "0::/"
 * and learns nothing of the host's tree above or beside it; a cgroup file
 * system it mounts shows that subtree alone.  (The shell way, as root: move
 * into a cgroup, `unshare --cgroup --mount bash`, mount cgroup2 anew.)
 */
#include "../common/cgroup.h"
#include "../common/nslab.h"
#include "plumbing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The hierarchies the child joins: the cgroup2 tree, and where the memory
 * controller is on cgroup v1 (a "hybrid" host), that controller's tree. */
static struct hierarchy {
	bool v1;		/* the v1 memory hierarchy */
	bool made;		/* we made cg */
	char mnt[PATH_MAX];	/* where the host mounts it */
	char fsopts[256];	/* its mount options ("rw,memory" on v1) */
	char cg[PATH_MAX + 64]; /* our cgroup in it: .../nslab-cgns-PID */
} h[2];
static int nh;
static struct demo_opts opts;
static pid_t child;
static int to_child[2];	 /* the sync pipes, one each way: a byte says */
static int to_parent[2]; /* "go on" ("s": exec the shell), EOF "done" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* Step 1: every cgroup mount is a line of /proc/self/mountinfo.  Our cgroup
 * goes where Lab 05 puts its own: under the root of the v2 tree, and on v1
 * under the memory cgroup this program is in already. */
static void find_hierarchies(void)
{
	if (cgroup_mount_of("cgroup2", NULL, h[nh].mnt, h[nh].fsopts, sizeof h[nh].fsopts))
		nh++;
	if (cgroup_mount_of("cgroup", "memory", h[nh].mnt, h[nh].fsopts, sizeof h[nh].fsopts))
		h[nh++].v1 = true;
	if (nh == 0)
		die_hint(ENOENT,
			 "no cgroup file system mounted (some containers) — run the lab in the VM",
			 "finding a cgroup mount in /proc/self/mountinfo");
	step(1, "the cgroup hierarchies, from /proc/self/mountinfo:");
	for (int i = 0; i < nh; i++) {
		char cg[sizeof h[i].cg]; /* built apart: gcc -O0 sees h overlap itself */

		snprintf(cg, sizeof cg, "%s%s/nslab-cgns-%d", h[i].mnt,
			 h[i].v1 ? own_memory_cgroup() : "", (int)getpid());
		memcpy(h[i].cg, cg, sizeof cg);
		note("%s at %s", h[i].v1 ? "cgroup v1 with the memory controller" : "cgroup2",
		     h[i].mnt);
	}
}

/* Step 2: a cgroup is a directory; mkdir makes one. */
static void make_cgroups(void)
{
	for (int i = 0; i < nh && !nslab_interrupted; i++) {
		if (mkdir(h[i].cg, 0755) != 0)
			die(errno, "mkdir(\"%s\")", h[i].cg);
		h[i].made = true;
		narrate(i == 0 ? 2 : 0, "mkdir(\"%s\")", h[i].cg); /* step 2, then a note */
	}
}

/* The line of /proc/PID/cgroup (PID 0: our own) for hierarchy I. */
static void line_of(pid_t pid, int i, char *line, size_t len)
{
	if (!cgroup_line(pid, h[i].v1 ? "memory" : NULL, line, len))
		die(errno, "finding the %s line of /proc/%d/cgroup",
		    h[i].v1 ? "memory" : "0::", (int)pid);
}

/* Step 4, in the child, once the parent has moved it in: the new
 * namespace's root is fixed now, at the cgroup we are in at this moment. */
static void enter_cgroup_namespace(void)
{
	char before[2][PATH_MAX + 64];
	char after[PATH_MAX + 64];

	for (int i = 0; i < nh; i++)
		line_of(0, i, before[i], sizeof before[i]);
	if (unshare(CLONE_NEWCGROUP) != 0)
		die(errno, "unshare(CLONE_NEWCGROUP)");
	step(4, "child: unshare(CLONE_NEWCGROUP): the cgroup it is in becomes the root");
	for (int i = 0; i < nh; i++) {
		line_of(0, i, after, sizeof after);
		note("/proc/self/cgroup before: %s", before[i]);
		note("/proc/self/cgroup after:  %s", after);
		result("inside:  /proc/self/cgroup says %s", after);
	}
}

/* Step 5, in the child: a cgroup file system mounted from inside the
 * namespace has our cgroup as its root.  The kernel will not mount a
 * hierarchy on top of itself at the same place (EBUSY), so the host's
 * view there goes first - in our own copy of the mount table only, which
 * must stop passing changes back to the host (a shared "/", as systemd
 * makes it) before anything is unmounted. */
static void mount_own_view(void)
{
	char pids[256];
	int cgroups;
	int nprocs;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
	step(5, "child: mount(\"/\", MS_REC|MS_PRIVATE), then a cgroup mount of its own");
	for (int i = 0; i < nh; i++) {
		const char *type = h[i].v1 ? "cgroup" : "cgroup2";

		cgroups = count_cgroups(h[i].mnt);
		nprocs = list_procs(h[i].mnt, pids, sizeof pids);
		if (umount2(h[i].mnt, MNT_DETACH) != 0)
			die(errno, "umount2(\"%s\", MNT_DETACH)", h[i].mnt);
		if (mount("nslab-cgns", h[i].mnt, type, MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  h[i].v1 ? h[i].fsopts : NULL) != 0)
			die(errno, "mount(\"nslab-cgns\", \"%s\", \"%s\")", h[i].mnt, type);
		note("umount2(\"%s\", MNT_DETACH); mount(\"nslab-cgns\", \"%s\", \"%s\")", h[i].mnt,
		     h[i].mnt, type);
		note("before: %d cgroup(s) below it, %d process(es) in its cgroup.procs", cgroups,
		     nprocs);
		nprocs = list_procs(h[i].mnt, pids, sizeof pids);
		note("after:  %d cgroup(s) below it, %d process(es): %s", count_cgroups(h[i].mnt),
		     nprocs, pids);
		result("inside:  %s is our cgroup; its cgroup.procs lists %s", h[i].mnt, pids);
	}
}

/* Steps 4 and 5 run here, in the child (ARG is unused). */
static int child_main(void *arg)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	char byte;

	child_begin();
	(void)arg;
	/* Our copies of the parent's ends would keep EOF from ever coming. */
	close(to_child[1]);
	close(to_parent[0]);
	/* Wait to be moved: the namespace will be rooted where we stand. */
	if (read(to_child[0], &byte, 1) != 1)
		return EXIT_RUNTIME;
	enter_cgroup_namespace();
	mount_own_view();
	if (write(to_parent[1], "x", 1) != 1) /* "my view is ready" */
		die(errno, "write(sync pipe)");
	/* The namespaces last as long as a process is in them: this child,
	 * until the parent closes its end of the pipe (EOF); or with --shell,
	 * the shell it becomes when the parent says so, after step 6. */
	while (read(to_child[0], &byte, 1) > 0)
		if (opts.shell) {
			execl(sh, sh, (char *)NULL);
			die(errno, "execl(\"%s\")", sh);
		}
	return 0;
}

/* Step 3: moving a process into a cgroup is writing its PID to the
 * cgroup's cgroup.procs file. */
static void move_child_in(void)
{
	char path[PATH_MAX + 96];
	int fd;

	for (int i = 0; i < nh; i++) {
		snprintf(path, sizeof path, "%s/cgroup.procs", h[i].cg);
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			die(errno, "open(\"%s\")", path);
		if (dprintf(fd, "%d", (int)child) < 0 || close(fd) != 0)
			die(errno, "writing %d to %s", (int)child, path);
	}
	step(3, "clone(CLONE_NEWNS) -> child %d; write %d to each new cgroup.procs", (int)child,
	     (int)child);
	note("the child waits for this: its namespace will be rooted where it stands");
}

/* Step 6: the host's view.  /proc/CHILD/cgroup, read here, still gives the
 * whole path; and the child's mount, reached through /proc/CHILD/root, is
 * our cgroup's directory itself: the same device and inode. */
static bool host_view(void)
{
	char file[64];
	char line[PATH_MAX + 64];
	char inside[PATH_MAX + 64];
	struct stat in;
	struct stat out;
	bool all_same = true;

	snprintf(file, sizeof file, "/proc/%d/cgroup", (int)child);
	step(6, "from the host: %s, and the child's mounts through /proc/%d/root", file,
	     (int)child);
	for (int i = 0; i < nh; i++) {
		bool same;

		snprintf(inside, sizeof inside, "/proc/%d/root%s", (int)child, h[i].mnt);
		line_of(child, i, line, sizeof line);
		if (stat(inside, &in) != 0 || stat(h[i].cg, &out) != 0)
			die(errno, "stat(\"%s\")", inside);
		same = in.st_dev == out.st_dev && in.st_ino == out.st_ino;
		all_same = all_same && same;
		note("%s says %s", file, line);
		note("%s is inode %lu, %s is inode %lu", inside, (unsigned long)in.st_ino, h[i].cg,
		     (unsigned long)out.st_ino);
		result("host:    %s; the child's %s is %s", line, h[i].mnt,
		       same ? "that cgroup's directory" : "ANOTHER directory");
	}
	return all_same;
}

/* Step 7, on every way out (die() too): a cgroup with a process in it
 * cannot be removed (EBUSY), so whatever is still inside - a --shell's
 * background job - is killed first, and any cgroup made below ours.
 * A cgroup stays only if rmdir fails all the same. */
static void cleanup(void)
{
	end_child(); /* through its pidfd: never a reaped child's PID */
	for (int i = 0; i < nh; i++) {
		if (!h[i].made)
			continue;
		clear_cgroup(h[i].cg); /* the cgroups below ours go first */
		h[i].made = !cgroup_remove(h[i].cg);
	}
	remove_pidfile(&opts);
}

int main(int argc, char **argv)
{
	int status = 0;
	int code = 0;
	char byte;

	parse_args(argc, argv, &opts);
	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	find_hierarchies();
	on_die(cleanup);
	make_cgroups();
	if (nslab_interrupted)
		goto out;
	/* The child runs child_main() on its own stack (given by its top:
	 * stacks grow down) in a new mount namespace.  Its cgroup namespace
	 * comes later, from unshare(): clone(CLONE_NEWCGROUP) would root it
	 * at the cgroup we are in, before the child is moved anywhere. */
	child = clone(child_main, child_stack + sizeof child_stack, CLONE_NEWNS | SIGCHLD, NULL);
	if (child < 0)
		die(errno, "clone(CLONE_NEWNS)");
	watch_child(child);
	close(to_parent[1]); /* so that the child's end of it alone decides EOF */
	move_child_in();
	if (write(to_child[1], "x", 1) != 1) /* "you are in: go on" */
		warn_errno(errno, "write(sync pipe)");

	/* No byte back: the child failed (it said why), or Ctrl-C came. */
	if (read(to_parent[0], &byte, 1) == 1) {
		code = host_view() ? 0 : EXIT_RUNTIME;
		write_pidfile(&opts, child);
		if (opts.hold)
			hold_commands(child, h[0].mnt);
		if (opts.shell) {
			note("a shell runs inside; try `cat /proc/self/cgroup`, then `exit`");
			shell_owns_terminal();
			/* Step 6 has looked at the child: it may exec the shell now. */
			if (write(to_child[1], "s", 1) != 1)
				warn_errno(errno, "write(sync pipe)");
		}
	}
	/* EOF: the child ends now; a shell, when the user leaves it. */
	close(to_child[1]);
	while (waitpid(child, &status, 0) != child)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	watch_child(0); /* reaped: its PID may soon be someone else's */
	child = 0;
out:
	cleanup();
	for (int i = 0; i < nh; i++)
		if (h[i].made)
			return EXIT_RUNTIME;
	if (!nslab_interrupted) {
		step(7, "the child has ended; rmdir() what step 2 made");
		for (int i = 0; i < nh; i++)
			result("removed: %s", h[i].cg);
	}
	return code ? code : demo_exit_code(status);
}
