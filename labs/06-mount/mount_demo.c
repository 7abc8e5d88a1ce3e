/*
 * mount_demo.c - Lab 06: a mount table of its own, and a root to match.
 *
 * A child cloned with CLONE_NEWNS starts with a copy of every mount, and of
 * each mount's propagation: the copy of a shared mount is its peer, so what
 * the child mounts below it appears on the host too.  A runtime makes its
 * tree private first (MS_REC|MS_PRIVATE), then swaps the root with
 * pivot_root(2) and detaches the old one; out of a mere chroot(), root can
 * climb.  Shell: `sudo unshare --mount` (private unless `--propagation
 * unchanged`), `pivot_root . .`.  Steps as narrated; --escape adds two, out
 * of a chroot and not out of the new root.
 */
#include "../common/nslab.h"
#include "plumbing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOST_TABLE "/proc/self/mountinfo" /* the parent's: the host's own view */

static struct demo_opts opts;
static bool escape;
static bool hold_before_pivot;
static bool claims_held = true;
static char rootfs[PATH_MAX];
static char scratch[PATH_MAX];
static char leak_at[PATH_MAX + 8];
static char kept_at[PATH_MAX + 8];
static char child_table[64]; /* /proc/CHILD/mountinfo */
static pid_t child;
static pid_t prisoner;
/* The prisoner and the janitor, held by pidfds: how we signal them. */
static int prisoner_fd = -1;
static int janitor_fd = -1;
static int to_child[2];	 /* the sync pipes, one each way: */
static int to_parent[2]; /* a byte says "go on", EOF "done" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* A byte to TO ("go on", "done"), then one from FROM; false: the other is gone. */
static bool take_turns(int to, int from)
{
	char byte;

	return write(to, "x", 1) == 1 && read(from, &byte, 1) == 1;
}

/* Each tmpfs here is small, and nothing in it may run or be a device. */
static void mount_tmpfs(const char *name, const char *where)
{
	if (mount(name, where, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=755") != 0)
		die(errno, "mount(\"%s\", \"%s\", \"tmpfs\")", name, where);
}

/* Steps 9 and 10.  chroot() into a subdirectory WITHOUT chdir() leaves the
 * current directory outside the root, and ".." stops only at the root (or the
 * top of the mount namespace): climb until ".." is ".", and make that root. */
static void climb_out(void)
{
	char names[512];
	int climbs;

	if (chroot("bin") != 0)
		die(errno, "chroot(\"bin\")");
	for (climbs = 0; climbs < 256 && !same_file(".", ".."); climbs++)
		if (chdir("..") != 0)
			die(errno, "chdir(\"..\")");
	if (chroot(".") != 0 || chdir("/") != 0)
		die(errno, "chroot(\".\")");
	if (list_dir("/", names, sizeof names) < 0)
		die(errno, "scandir(\"/\")");
	note("chroot(\"bin\") without chdir(); chdir(\"..\") %d times, until \"..\" is \".\";",
	     climbs);
	note("chroot(\".\"). ls / -> %s", names);
}

/* Steps 6 to 8, in the child, once its whole tree is private. */
static void enter_rootfs(void)
{
	char list[256];
	int n;

	/* pivot_root() swaps whole mounts, so the new root must be one: bind
	 * the directory onto itself.  (No MS_REC: what the host has mounted
	 * below it stays behind.) */
	if (mount(rootfs, rootfs, NULL, MS_BIND, NULL) != 0)
		die(errno, "mount(\"%s\", MS_BIND)", rootfs);
	if (chdir(rootfs) != 0)
		die(errno, "chdir(\"%s\")", rootfs);
	step(6, "child: mount(\"%s\", the same, MS_BIND), chdir() into it", rootfs);
	/* new_root and put_old may be one directory: the old root then lies on
	 * top of the new one, where umount2(".") finds it.  glibc has no
	 * wrapper for pivot_root(), hence syscall(). */
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		die(errno, "pivot_root(\".\", \".\")");
	if (umount2(".", MNT_DETACH) != 0)
		die(errno, "umount2(\".\", MNT_DETACH)");
	if (chdir("/") != 0)
		die(errno, "chdir(\"/\")");
	step(7, "child: pivot_root(\".\", \".\"), umount2(\".\", MNT_DETACH)");
	note("the old root and every mount on it are detached: no path leads back");
	/* A proc of our own PID namespace lists no host process, whose
	 * /proc/PID/root would be a way back to the host's files. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) != 0)
		die(errno, "mount(\"proc\", \"/proc\")");
	n = list_mounts("/proc/self/mountinfo", list, sizeof list);
	step(8, "child: mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NOEXEC|MS_NODEV)");
	result("inside:  /proc/self/mountinfo lists %d mounts: %s", n, list);
}

static int child_main(void *arg)
{
	char byte;

	(void)arg;
	child_begin();
	close(to_child[1]); /* else our own copy would keep EOF from coming */
	close(to_parent[0]);
	if (read(to_child[0], &byte, 1) != 1) /* the parent tells step 3 first */
		return 1;
	mount_tmpfs("nslab-leak", leak_at); /* our copy of the scratch is the host's peer */
	step(4, "child: mount(\"nslab-leak\", \"%s\", \"tmpfs\")", leak_at);
	if (!take_turns(to_parent[1], to_child[0]))
		return 1;
	/* Step 5, as runtimes do first (runc's default is MS_SLAVE: nothing leaves). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
	mount_tmpfs("nslab-kept", kept_at);
	step(5, "child: mount(\"/\", MS_REC|MS_PRIVATE); mount(\"nslab-kept\", \"%s\")", kept_at);
	if (!take_turns(to_parent[1], to_child[0]))
		return 1;
	enter_rootfs();
	/* Each byte from now on asks for step 10 (--escape); EOF: we may end. */
	while (take_turns(to_parent[1], to_child[0])) {
		step(10, "child, after pivot_root, the same climb:");
		climb_out();
	}
	if (opts.shell) {
		note("exec /bin/sh in the new root; try `cat /proc/self/mountinfo`, then `exit`");
		execl("/bin/sh", "sh", (char *)NULL);
		die(errno, "execl(\"/bin/sh\")");
	}
	return 0;
}

/* Step 9: a plain chroot, with no namespace at all, of a process that is
 * root.  Once out, it stops itself (SIGSTOP), to be looked at. */
static void plain_chroot(void)
{
	int status = 0;

	if ((prisoner = fork()) < 0)
		die(errno, "fork()");
	if (prisoner == 0) {
		forked_child_begin();
		close(to_child[1]);
		if (chroot(rootfs) != 0 || chdir("/") != 0)
			die(errno, "chroot(\"%s\")", rootfs);
		step(9, "fork() -> %d: chroot(\"%s\"), chdir(\"/\")", (int)getpid(), rootfs);
		climb_out();
		raise(SIGSTOP); /* the host ends it with SIGKILL */
		_exit(0);
	}
	if ((prisoner_fd = pidfd_for(prisoner)) < 0) /* before any wait can reap it */
		die(errno, "pidfd_open(%d)", (int)prisoner);
	while (waitpid(prisoner, &status, WUNTRACED) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)prisoner);
	claims_held &= WIFSTOPPED(status) && root_is(prisoner, "/", "our own \"/\": it got OUT");
}

/* Steps 4 to 10 from the host's side: after each of the child's steps, look. */
static void watch_story(void)
{
	char list[256];
	int n;

	if (!take_turns(to_child[1], to_parent[0]))
		return;
	claims_held &= host_sees(child_table, leak_at, true);
	if (!take_turns(to_child[1], to_parent[0]))
		return;
	claims_held &= host_sees(child_table, kept_at, false);
	if (hold_before_pivot) /* before step 6, the leaked and the kept mount in place */
		hold_with_commands(&opts, child, -1, scratch);
	if (!take_turns(to_child[1], to_parent[0]))
		return;
	claims_held &= (n = list_mounts(child_table, list, sizeof list)) == 2;
	result("host:    %s lists %d mounts: %s", child_table, n, list);
	claims_held &= root_is(child, rootfs, "the rootfs");
	if (escape && !nslab_interrupted) {
		plain_chroot();
		if (!take_turns(to_child[1], to_parent[0]))
			return;
		claims_held &=
			root_is(child, rootfs, "still the rootfs: there is nothing above it");
	}
	write_pidfile(&opts, child);
	if (opts.hold)
		hold_with_commands(&opts, child, prisoner, scratch);
	pidfd_end(&prisoner_fd, SIGKILL); /* it has served */
	if (opts.shell)
		shell_owns_terminal();
}

/* On every way out: the scratch mount and all below it go; so does the janitor. */
static void remove_scratch(void)
{
	pidfd_end(&prisoner_fd, SIGKILL);
	remove_scratch_dir(scratch);
	pidfd_end(&janitor_fd, SIGUSR1);
}

/* Step 2, on the host.  Under a shared parent a new mount joins a peer
 * group with copies elsewhere: MS_PRIVATE takes it out of that, and
 * MS_SHARED gives it a peer group of its own, whatever the host's setup. */
static void make_scratch(void)
{
	char propagation[64] = "?";

	janitor_fd = start_janitor(scratch); /* it makes the directory, and removes it */
	on_die(remove_scratch);
	mount_tmpfs("nslab-mnt", scratch);
	if (mount(NULL, scratch, NULL, MS_PRIVATE, NULL) != 0 ||
	    mount(NULL, scratch, NULL, MS_SHARED, NULL) != 0)
		die(errno, "mount(\"%s\", MS_SHARED)", scratch);
	snprintf(leak_at, sizeof leak_at, "%s/leak", scratch);
	snprintf(kept_at, sizeof kept_at, "%s/kept", scratch);
	if (mkdir(leak_at, 0755) != 0 || mkdir(kept_at, 0755) != 0)
		die(errno, "mkdir(\"%s/...\")", scratch);
	mount_at(HOST_TABLE, scratch, NULL, propagation);
	step(2, "host: mkdtemp(), mount(\"nslab-mnt\", \"%s\", \"tmpfs\"), then MS_SHARED: %s",
	     scratch, propagation);
}

int main(int argc, char **argv)
{
	char propagation[64] = "not listed";
	int status = 0;
	bool leaked;

	parse_args(argc, argv, &opts, &escape, &hold_before_pivot, rootfs);
	/* Step 1.  systemd makes every mount shared at boot, so a namespace's
	 * copy of "/" is then a peer of the host's, and mounts cross over. */
	mount_at(HOST_TABLE, "/", NULL, propagation);
	step(1, "host: \"/\" in %s: %s", HOST_TABLE, propagation);
	note("%s", strncmp(propagation, "shared:", 7) == 0
			   ? "shared, as systemd makes it: a copy of it would be its peer"
			   : "not shared here, so a copy is no peer; under systemd it is");
	make_scratch(); /* (the janitor it starts must not inherit the pipes) */
	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	if (nslab_interrupted)
		goto out;
	/* The child runs child_main() on its own stack (given by its top:
	 * stacks grow down) with a copy of our mount table, as PID 1 of a new
	 * PID namespace (for a proc of its own); SIGCHLD says when it ends. */
	child = clone(child_main, child_stack + sizeof child_stack,
		      CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, NULL);
	if (child < 0)
		die(errno, "clone(CLONE_NEWNS|CLONE_NEWPID)");
	watch_child(child);
	snprintf(child_table, sizeof child_table, "/proc/%d/mountinfo", (int)child);
	step(3, "clone(CLONE_NEWNS|CLONE_NEWPID) -> child %d, with a copy of our mounts",
	     (int)child);
	note("its copy of %s is a peer of ours: the same shared:N", scratch);
	close(to_parent[1]); /* so that the child's end alone decides EOF */
	watch_story();
	close(to_child[1]); /* EOF: the child ends (or becomes the shell) */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	watch_child(0);
	remove_pidfile(&opts);
	if (nslab_interrupted)
		goto out;

	claims_held &= (leaked = mount_at(HOST_TABLE, leak_at, NULL, NULL));
	step(escape ? 11 : 9, "the child has exited, its namespace with it; our mountinfo %s %s",
	     leaked ? "still lists" : "no longer lists", leak_at);
	note("a mount that leaked is the host's own: only the host can take it away");
	remove_scratch();
	claims_held &= !(leaked = mount_at(HOST_TABLE, scratch, NULL, NULL));
	result("host:    umount2(\"%s\", MNT_DETACH), rmdir(): %s", scratch,
	       leaked ? "STILL MOUNTED" : "nothing of ours is mounted");
	if (!claims_held)
		return claim_failed("the host did not see what this lab expects (see above)");
out:
	remove_scratch();
	return demo_exit_code(status);
}
