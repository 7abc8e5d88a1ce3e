/*
 * mini_container.c - Lab 11, the capstone: a container to read in one sitting.
 *
 * The kernel knows no "container".  What runtimes call one is an ordinary
 * process started with a namespace of every kind, in a cgroup that limits
 * it, on another root filesystem.  Labs 01 to 10 showed the pieces one at
 * a time; here they come together in a runtime's order, each step naming
 * the lab that taught it (walkthrough/11-container.md sets it beside
 * `unshare`, going-further.md beside `docker run`).  The steps: 1. a cgroup with limits; 2.
 * clone() into new namespaces; 3. the maps of a --rootless run's user
 * namespace; 4. the child into the cgroup; 5. a veth pair; in the child,
 * 6. its cgroup namespace, 7. hostname, 8. network, 9. mounts, 10.
 * pivot_root; 11. the host looks; 12. the command is PID 1; 13. the end.
 */
#include "options.h"
#include "plumbing.h"
#include "../common/cgroup.h"
#include "../common/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct hierarchy h[2]; /* where our cgroup lives: plumbing.h */
static int nh;
static struct demo_opts opts;
static char host_if[IFNAMSIZ]; /* nslab-c<this program's PID> */
static int host_nl = -1;       /* rtnetlink on the host */
static bool veth_made;
static pid_t child;
/* The sync pipes: a byte says "go on"; EOF, "stop". */
static int to_child[2];
static int to_parent[2];
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

#define with_veth (!no_net && !rootless)

static bool send_byte(int fd)
{
	return write(fd, "x", 1) == 1;
}

static bool got_byte(int fd)
{
	char b;

	return read(fd, &b, 1) == 1;
}

/* Step 1: a cgroup is a directory; a limit, a number written to one of its
 * files (Lab 05 tells it in full, and v1 beside v2). */
static void make_cgroups(void)
{
	char num[32];

	nh = plan_cgroups(h);
	step(1, "host: a cgroup nslab-ctr-%d, on cgroup v%d - see Lab 05", (int)getpid(),
	     h->v1 ? 1 : 2);
	for (struct hierarchy *x = h; x < h + nh && !nslab_interrupted; x++) {
		bool swap;

		if (!x->v1) /* v2 hands controllers down only where "+NAME" says so */
			hand_down(x->parent, x->ctrls, x->added, sizeof x->added);
		if (mkdir(x->dir, 0755) != 0)
			die(errno, "mkdir(\"%s\")%s", x->dir,
			    geteuid() ? " (not root? try --rootless)" : "");
		x->made = true;
		note("mkdir(\"%s\")", x->dir);
		if (strstr(x->ctrls, "memory")) {
			/* Swap would stretch the limit: v2 shuts it out with swap.max
			 * 0, v1 with memory+swap as high as memory (or no accounting). */
			snprintf(num, sizeof num, "%llu", memory_max);
			put(x->dir, x->v1 ? "memory.limit_in_bytes" : "memory.max", num, false);
			swap = put(x->dir,
				   x->v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max",
				   x->v1 ? num : "0", true) != 0;
			note("%s <- %s (%llu MiB), %s",
			     x->v1 ? "memory.limit_in_bytes" : "memory.max", num, memory_max >> 20,
			     swap ? "swap NOT kept out (not accounted)" : "swap kept out");
		}
		if (strstr(x->ctrls, "pids")) {
			snprintf(num, sizeof num, "%ld", pids_max);
			put(x->dir, "pids.max", num, false);
			note("pids.max <- %s: fork() fails inside while %s processes exist", num,
			     num);
		}
	}
}

/* Step 5: RTM_NEWLINK of kind "veth" (Lab 04 built one byte by byte).
 * This time the peer is born in the child's network namespace, named
 * eth0 there: its own attributes, inside the request, say both. */
static int create_veth(void)
{
	struct ifinfomsg link = { .ifi_family = AF_UNSPEC };
	uint32_t where = (uint32_t)child;
	struct rtattr *info;
	struct rtattr *data;
	struct rtattr *peer;

	rtnl_begin(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &link, sizeof link);
	info = rtnl_attr(IFLA_LINKINFO, NULL, 0);
	rtnl_str(IFLA_INFO_KIND, "veth");
	data = rtnl_attr(IFLA_INFO_DATA, NULL, 0);
	peer = rtnl_attr(VETH_INFO_PEER, &link, sizeof link);
	rtnl_attr(IFLA_NET_NS_PID, &where, sizeof where);
	rtnl_str(IFLA_IFNAME, "eth0");
	rtnl_own_mac(2); /* else systemd-udevd may change it (Lab 04) */
	rtnl_nest_end(peer);
	rtnl_nest_end(data);
	rtnl_nest_end(info);
	rtnl_str(IFLA_IFNAME, host_if);
	rtnl_own_mac(1);
	return rtnl_ask(host_nl);
}

/* Steps 6 to 10 run here, in the child; then the command replaces it. */
static int child_main(void *arg)
{
	char *term = getenv("TERM") ? strdup(getenv("TERM")) : NULL;
	char line[PATH_MAX + 64];
	int nl;

	(void)arg;
	child_begin();
	close(to_child[1]); /* else our own copies would keep EOF from coming */
	close(to_parent[0]);
	if (!got_byte(to_child[0])) /* "you are in your cgroup; eth0 is here" */
		return EXIT_RUNTIME;

	/* Step 6: the cgroup we are in, at this moment, becomes our "/". */
	if (unshare(CLONE_NEWCGROUP) != 0) /* the first use of a --rootless run's root */
		die(errno, "unshare(CLONE_NEWCGROUP)%s",
		    rootless ? " (Ubuntu 24.04? see Lab 07)" : "");
	if (!cgroup_line(0, "memory", line, sizeof line))
		snprintf(line, sizeof line, "?");
	step(6, "child: unshare(CLONE_NEWCGROUP): /proc/self/cgroup says %s - see Lab 09", line);

	if (sethostname(hostname, strlen(hostname)) != 0)
		die(errno, "sethostname(\"%s\")", hostname);
	step(7, "child: sethostname(\"%s\") - see Lab 01", hostname);

	/* A netlink socket made here acts in the container's network namespace. */
	if ((nl = rtnl_open()) < 0)
		die(errno, "socket(AF_NETLINK, NETLINK_ROUTE)");
	rtnl_address_up(nl, "lo", NULL);
	if (with_veth) {
		rtnl_address_up(nl, "eth0", &ctr_ip);
		rtnl_wait_up(nl, "eth0"); /* both ends up, and operational */
		step(8, "child: RTM_NEWADDR %s/24 on eth0; eth0 and lo up - see Lab 04",
		     inet_ntoa(ctr_ip));
	} else {
		step(8, "child: lo up, and no other link: an empty network stack - see Lab 04");
	}
	close(nl);

	/* Step 9.  Our copy of the mount table still propagates to the host
	 * where "/" is shared (systemd's way): all private first.  pivot_root()
	 * wants a mount as the new root: the rootfs, bound onto itself, and
	 * read-only, so that nothing inside can change labs/rootfs. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
	if (mount(rootfs, rootfs, NULL, MS_BIND, NULL) != 0 || chdir(rootfs) != 0)
		die(errno, "mount(\"%s\", \"%s\", MS_BIND)", rootfs, rootfs);
	if (mount(NULL, ".", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags_to_keep("."), NULL) !=
	    0)
		die(errno, "mount(\"%s\", MS_REMOUNT|MS_BIND|MS_RDONLY)", rootfs);
	/* A proc of our own PID namespace, mounted while the old root is still
	 * here: a user namespace may mount proc only where one is visible. */
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		die(errno, "mount(\"proc\", \"proc\", \"proc\")");
	if (mount("nslab-tmp", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m") != 0)
		die(errno, "mount(\"nslab-tmp\", \"tmp\", \"tmpfs\")");
	/* A tmpfs on dev, the host's null, zero, full, random, urandom and tty
	 * bound onto empty files in it (plumbing.c: binds, as a user namespace
	 * may not mknod). */
	make_dev();
	step(9, "child: mount(\"/\", MS_REC|MS_PRIVATE); the rootfs bound onto itself, read-only;");
	note("proc, tmpfs on /tmp, and a /dev of its own (a tmpfs) - see Labs 02, 03 and 06");

	/* Step 10: new_root and put_old may be one directory; the old root then
	 * lies on top of the new one, where umount2(".") detaches it and every
	 * mount on it.  glibc has no pivot_root() wrapper. */
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		die(errno, "pivot_root(\".\", \".\")");
	if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
		die(errno, "umount2(\".\", MNT_DETACH)");
	step(10, "child: pivot_root(\".\", \".\"), umount2(\".\", MNT_DETACH) - see Lab 06");
	result("inside:  / is %s, read-only; no path leads back to the host's files", rootfs);

	if (!send_byte(to_parent[1]) || !got_byte(to_child[0]))
		return 0; /* EOF: --hold without a COMMAND has ended, or the host gave up */
	/* A runtime gives the command the environment of its image, not ours. */
	if (clearenv() != 0 || setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1) != 0 ||
	    setenv("HOME", "/root", 1) != 0 || (term && setenv("TERM", term, 1) != 0))
		die(errno, "setting the environment");
	if (command)
		execvp(command[0], command);
	else
		execl("/bin/sh", "sh", (char *)NULL);
	die(errno, "exec(\"%s\")", command ? command[0] : "/bin/sh");
}

/* Step 3, with --rootless: the maps, written from outside (Lab 07).  An
 * ordinary user may map one id, its own; the gid only once setgroups(2) is
 * denied in there for good. */
static void write_maps(void)
{
	char dir[64];
	char uid[64];
	char gid[64];

	snprintf(dir, sizeof dir, "/proc/%d", (int)child);
	snprintf(uid, sizeof uid, "0 %d 1", (int)getuid());
	snprintf(gid, sizeof gid, "0 %d 1", (int)getgid());
	put(dir, "uid_map", uid, false);
	put(dir, "setgroups", "deny", false);
	put(dir, "gid_map", gid, false);
	step(3, "host: %s/uid_map <- \"%s\", setgroups <- \"deny\", gid_map <- \"%s\"", dir, uid,
	     gid);
	note("uid 0 inside is uid %d outside - see Lab 07", (int)getuid());
}

/* Every way out comes through here, die() too. */
static void cleanup(void)
{
	int err;

	end_child(); /* through its pidfd: never a reaped child's PID */
	child = 0;
	/* RTM_DELLINK of one end deletes its peer.  The dying namespace would
	 * too, but later, from a kernel worker: a test right after could see it. */
	if (veth_made && (err = rtnl_delete_link(host_nl, host_if)) && err != -ENODEV)
		warn_errno(-err, "RTM_DELLINK %s", host_if);
	veth_made = false;
	/* A cgroup goes with rmdir(), once no process is left in it. */
	for (struct hierarchy *x = h; x < h + nh; x++)
		x->made = !remove_cgroup(x->made ? x->dir : NULL, x->parent, x->added);
	remove_pidfile(&opts);
}

int main(int argc, char **argv)
{
	const char *user;
	char differ[64];
	char same[64];
	char pid[16];
	int status = 0;
	int err;
	int own;
	int known;
	siginfo_t info = { 0 };
	bool ran = false;
	bool stopped = false;

	parse_args(argc, argv, &opts);
	user = rootless ? "|CLONE_NEWUSER" : "";
	snprintf(host_if, sizeof host_if, "nslab-c%d", (int)getpid());
	on_die(cleanup);
	if (with_veth && (host_nl = rtnl_open()) < 0)
		die(errno, "socket(AF_NETLINK, NETLINK_ROUTE)");
	if (!rootless)
		make_cgroups();
	else
		step(1, "no cgroup (--rootless): a cgroup is made in a tree that root owns");
	if (nslab_interrupted)
		goto out;

	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* The child runs child_main() on its own stack (given by its top: stacks
	 * grow down) in new namespaces; SIGCHLD says when it ends.  A new user
	 * namespace is made first and owns the others: its root sets them up. */
	child = clone(child_main, child_stack + sizeof child_stack,
		      CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET |
			      (rootless ? CLONE_NEWUSER : 0) | SIGCHLD,
		      NULL);
	if (child < 0)
		die(errno,
		    "clone(CLONE_NEWUTS|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWNET%s)",
		    user);
	watch_child(child);
	close(to_child[0]); /* so that the child's ends alone decide EOF */
	close(to_parent[1]);
	step(2,
	     "clone(CLONE_NEWUTS|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWNET%s) -> child %d",
	     user, (int)child);
	note("UTS: Lab 01, PID: Lab 02, mount: Labs 03 and 06, IPC: Lab 08, network: Lab 04%s",
	     rootless ? ", user: Lab 07" : "");
	if (rootless)
		write_maps();
	else
		step(3,
		     "no user namespace: root inside is the host's root (--rootless: see Lab 07)");

	/* Step 4: whatever the child starts later is born in the cgroup too. */
	snprintf(pid, sizeof pid, "%d", (int)child);
	for (int i = 0; i < nh; i++)
		put(h[i].dir, "cgroup.procs", pid, false);
	if (nh)
		step(4,
		     "host: %s into cgroup.procs: in its limits before it runs a line - see Lab 05",
		     pid);
	else
		step(4, "no cgroup.procs to write: the container stays in your own cgroup");
	if (with_veth && !nslab_interrupted) {
		if ((err = create_veth()))
			die(-err, "RTM_NEWLINK (veth %s, peer eth0 in child %d's namespace)",
			    host_if, (int)child);
		veth_made = true;
		rtnl_address_up(host_nl, host_if, &host_ip);
		step(5,
		     "host: RTM_NEWLINK veth %s, peer eth0 born in child %d's network namespace;",
		     host_if, (int)child);
		note("RTM_NEWADDR %s/24 on %s, and up - see Lab 04", inet_ntoa(host_ip), host_if);
	} else if (!nslab_interrupted)
		step(5, "no veth (%s)%s", rootless ? "--rootless" : "--no-net",
		     rootless ? ": a link on the host needs CAP_NET_ADMIN there" : "");
	if (!nslab_interrupted && !send_byte(to_child[1])) /* "go on" */
		warn_errno(errno, "write(sync pipe)");

	/* No byte back: the child failed (it said why), or a signal came. */
	if (got_byte(to_parent[0])) {
		own = compare_namespaces(child, differ, same, sizeof differ, &known);
		step(11, "host: /proc/%d/ns/* against /proc/self/ns/* (like tools/nsinfo %d):",
		     (int)child, (int)child);
		note("different: %s; the same: %s (time: see Lab 10)", differ, same);
		result("host:    the container is process %d here and PID 1 inside; %d of %d namespace "
		       "types are its own",
		       (int)child, own, known);
		write_pidfile(&opts, child);
		ran = command || !opts.hold;
		if (ran) {
			step(12, "exec(\"%s\") as PID 1 - see Lab 02",
			     command ? command[0] : "/bin/sh");
			if (!command && !opts.hold && isatty(STDIN_FILENO))
				shell_owns_terminal(); /* Ctrl-C is the shell's now */
			if (!send_byte(to_child[1]))   /* "exec the command" */
				warn_errno(errno, "write(sync pipe)");
		}
		if (opts.hold)
			hold_commands(child, with_veth ? &ctr_ip : NULL);
		/* A hold ended by Enter or a signal while PID 1 runs: end it. */
		if (opts.hold && ran &&
		    waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    info.si_pid == 0)
			stopped = signal_child(SIGKILL) == 0;
	}
	close(to_child[1]); /* EOF: the child may end now (a command ends by itself) */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	child = 0; /* reaped: the PID may soon be another's */
	watch_child(0);
	if (!nslab_interrupted && stopped)
		step(13, "the hold has ended: SIGKILL to PID 1 ends the container - see Lab 02");
	else if (!nslab_interrupted)
		step(13,
		     "PID 1 has ended (status %d), and with it every process inside - see Lab 02",
		     demo_exit_code(status));
	for (struct hierarchy *x = h; x < h + nh && !nslab_interrupted; x++)
		note_counters(x->dir, x->v1, x->ctrls); /* oom_kill, pids.events' max */
out:
	cleanup();
	for (int i = 0; i < nh; i++)
		if (h[i].made)
			return EXIT_RUNTIME;
	status = stopped && !nslab_interrupted ? 0 : demo_exit_code(status);
	if (!nslab_interrupted)
		result("host:    %s; exit status %d",
		       rootless	   ? "nothing was made on the host"
		       : with_veth ? "the veth pair and the cgroup are gone"
				   : "the cgroup is gone",
		       status);
	return status;
}
