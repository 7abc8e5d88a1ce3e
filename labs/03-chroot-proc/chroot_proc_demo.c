/*
 * chroot_proc_demo.c - Lab 03: a root of its own, and a /proc to match.
 *
 * This is the course notes' experiment, done properly:
 *   sudo unshare --pid --fork chroot ./rootfs sh     (then: ps; mount -t proc proc proc; ps)
 *
 * The story:
 *   1. find a root filesystem (--rootfs DIR), or build a small one with
 *      tools/mkrootfs in a temporary nslab directory;
 *   2. clone a child with CLONE_NEWPID | CLONE_NEWNS: PID 1 of a new PID
 *      namespace, with its own copy of the mount table;
 *   3. inside, make "/" recursively private first, so that nothing
 *      mounted from now on can propagate back to the host;
 *   4. chroot() into the rootfs;
 *   5. /proc there is an empty directory, so `ps` finds no processes;
 *   6. mount a fresh proc on /proc (MS_NOSUID|MS_NOEXEC|MS_NODEV);
 *   7. exec /bin/sh as PID 1; it runs `ps`, which now shows sh as PID 1;
 *   8. the host looks in: /proc/PID/root is the rootfs, and the child's
 *      mount table has its own proc;
 *   9. sh unmounts /proc and exits; no mount is left under the rootfs,
 *      and the temporary rootfs is removed.
 *
 * chroot() alone is not isolation: a root process can leave it.  Real
 * container runtimes use pivot_root(2) inside a mount namespace and
 * then detach the old root, so there is nothing left to climb back to.
 */
#include "../common/nslab.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
	"Usage: chroot_proc_demo [OPTION]...\n"
	"Lab 03: chroot into a small root filesystem inside new PID and mount\n"
	"namespaces, find /proc empty, mount proc, and see sh as PID 1.\n"
	"\n"
	"      --rootfs DIR   use this root filesystem (it needs /bin/sh; ps helps);\n"
	"                     default: build one with tools/mkrootfs in a temporary\n"
	"                     directory ($TMPDIR or /tmp, named nslab-rootfs-*)\n"
	"                     and remove it afterwards\n";

/* What the child's sh does once proc is mounted: show ps, tell the
 * parent it is ready (fd 4), wait until the parent is done (EOF on fd
 * 3), then unmount proc on its way out. */
static const char sh_script[] =
	"ps -o pid,user,comm; printf . >&4; exec 4>&-; read -r _ <&3; umount /proc";
/* The same without the ps, for --quiet. */
static const char sh_script_quiet[] =
	"printf . >&4; exec 4>&-; read -r _ <&3; umount /proc";

struct config {
	struct demo_opts o;
	char rootfs[PATH_MAX];
	bool temporary;          /* we made the rootfs, so we remove it   */
	struct sync_pipe start;  /* parent -> child: "narrated, go on"    */
	struct sync_pipe ready;  /* child (sh) -> parent: "proc mounted"  */
	struct sync_pipe done;   /* parent -> child: "you may exit now"   */
};

static struct config cfg;

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		DEMO_COMMON_LONGOPTS,
		{ "rootfs", required_argument, NULL, 'r' },
		{ 0 }
	};
	char sh[PATH_MAX + 16];
	int c;

	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (demo_common_option(c, &cfg.o))
			continue;
		if (c == 'r') {
			if (!*optarg)
				usage_error("--rootfs needs a directory");
			if (!realpath(optarg, cfg.rootfs))
				usage_error("--rootfs '%s': %s", optarg, strerror(errno));
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(&cfg.o);
	if (cfg.rootfs[0]) {
		struct stat st;

		if (stat(cfg.rootfs, &st) != 0 || !S_ISDIR(st.st_mode))
			usage_error("--rootfs '%s' is not a directory", cfg.rootfs);
		if (strcmp(cfg.rootfs, "/") == 0)
			usage_error("--rootfs / would change nothing; give a separate rootfs");
		snprintf(sh, sizeof sh, "%s/bin/sh", cfg.rootfs);
		if (access(sh, X_OK) != 0)
			usage_error("--rootfs '%s' has no /bin/sh (build one with tools/mkrootfs)",
				    cfg.rootfs);
	}
}

/* ---- step 1: the root filesystem ------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0)
		warn_errno(errno, "removing %s", path);
	return 0;
}

/* Remove the temporary rootfs.  FTW_PHYS never follows a symlink and
 * FTW_MOUNT never crosses into another filesystem, so this cannot
 * reach outside the directory we made. */
static void remove_temporary_rootfs(void)
{
	if (!cfg.temporary)
		return;
	cfg.temporary = false;
	if (nftw(cfg.rootfs, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
		warn_errno(errno, "nftw(\"%s\")", cfg.rootfs);
}

/* tools/mkrootfs, found from this program's own path: the kit's root is
 * three levels above labs/03-chroot-proc/chroot_proc_demo. */
static void find_mkrootfs(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n < 0)
		die(errno, "readlink(\"/proc/self/exe\")");
	exe[n] = '\0';
	for (int i = 0; i < 3; i++)
		*strrchr(exe, '/') = '\0';
	snprintf(buf, len, "%s/tools/mkrootfs", exe);
}

/* Is any process of group PGID still running?  Zombies do not count:
 * they can write nothing, and who reaps them is not up to us. */
static bool group_running(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[288], buf[512], *p, state;
		int pgrp;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* "pid (comm) state ppid pgrp ...": comm may hold spaces. */
		if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2)
			found = pgrp == pgid && state != 'Z' && state != 'X';
		fclose(f);
	}
	closedir(d);
	return found;
}

/* Kill every process left in process group PGID and wait until none
 * runs, so none of them can write into the rootfs while it is removed. */
static void stop_process_group(pid_t pgid)
{
	kill(-pgid, SIGKILL);
	for (int i = 0; i < 500 && group_running(pgid); i++)
		poll(NULL, 0, 10); /* the kernel finishes them within ms */
}

static void prepare_rootfs(void)
{
	char mkrootfs[PATH_MAX + 32];
	const char *tmp = getenv("TMPDIR");
	int code, interrupted = 0;
	pid_t pid;

	if (cfg.rootfs[0]) {
		step(1, "use the root filesystem in %s", cfg.rootfs);
		return;
	}
	snprintf(cfg.rootfs, sizeof cfg.rootfs, "%s/nslab-rootfs-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(cfg.rootfs))
		die(errno, "mkdtemp(\"%s\")", cfg.rootfs);
	cfg.temporary = true;
	on_die(remove_temporary_rootfs);

	find_mkrootfs(mkrootfs, sizeof mkrootfs);
	pid = fork();
	if (pid < 0)
		die(errno, "fork()");
	if (pid == 0) {
		/* Its own process group, so that the demo can stop the whole
		 * build - the script and the cp or ln it is running. */
		setpgid(0, 0);
		/* If the demo is killed, stop building: nothing else would. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			die(errno, "prctl(PR_SET_PDEATHSIG)");
		signals_restore();
		execl(mkrootfs, "mkrootfs", "--quiet", cfg.rootfs, (char *)NULL);
		warn_errno(errno, "execl(\"%s\")", mkrootfs);
		_exit(127);
	}
	setpgid(pid, pid); /* (also here: whichever runs first wins) */
	code = wait_child(pid, &interrupted);
	if (code != 0) {
		stop_process_group(pid);
		remove_temporary_rootfs();
		if (!interrupted)
			fprintf(stderr, "%s: tools/mkrootfs failed (exit %d)\n",
				nslab_prog, code);
		exit(interrupted ? code : EXIT_RUNTIME);
	}
	step(1, "tools/mkrootfs %s -> a small rootfs (busybox or the host's tools)",
	     cfg.rootfs);
}

/* ---- inside: steps 3 to 7 ------------------------------------------- */

/* Run a program inside the chroot and wait for it (step 5's `ps`). */
static void run_and_wait(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die(errno, "fork()");
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		warn_errno(errno, "execl(\"%s\")", path);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)pid);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		die(errno, "opendir(\"%s\")", dir);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int child_main(void *arg)
{
	(void)arg;
	sync_close_write(&cfg.start);
	sync_close_read(&cfg.ready);
	sync_close_write(&cfg.done);
	if (!sync_wait(&cfg.start))
		return EXIT_RUNTIME;

	/* Our mount table is a copy of the host's, but mounts on a shared
	 * "/" (systemd's default) would still propagate back.  Make the
	 * whole tree private before mounting anything. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
	step(3, "mount(\"/\", MS_REC|MS_PRIVATE): nothing mounted here reaches the host");

	if (chroot(cfg.rootfs) != 0)
		die(errno, "chroot(\"%s\")", cfg.rootfs);
	if (chdir("/") != 0)
		die(errno, "chdir(\"/\")");
	step(4, "chroot(\"%s\"), chdir(\"/\"): this is \"/\" now", cfg.rootfs);
	note("chroot only moves where path lookup starts; a root process can climb");
	note("back out (chroot into a subdirectory, then cd .. repeatedly). Real");
	note("runtimes use pivot_root(2) and detach the old root instead.");

	step(5, "/proc has %d entries: nothing is mounted there yet, so ps sees nothing:",
	     count_entries("/proc"));
	if (!cfg.o.quiet)
		run_and_wait("/bin/ps");
	result("inside:  before mounting proc, /proc is empty");

	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) != 0)
		die(errno, "mount(\"proc\", \"/proc\")");
	step(6, "mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NOEXEC|MS_NODEV)");
	note("mounted from inside our PID namespace, it shows only our processes");

	if (cfg.o.shell) {
		note("exec /bin/sh as PID 1; try `ps`, `ls /proc`, `mount`, then `exit`");
		sync_signal(&cfg.ready);
		execl("/bin/sh", "sh", (char *)NULL);
		die(errno, "execl(\"/bin/sh\")");
	}

	/* Hand our pipes to sh as fds 3 (done) and 4 (ready). */
	if (dup2(cfg.done.rd, 3) < 0 || dup2(cfg.ready.wr, 4) < 0)
		die(errno, "dup2()");
	step(7, "execl(\"/bin/sh\") as PID 1, which runs ps:");
	execl("/bin/sh", "sh", "-c", cfg.o.quiet ? sh_script_quiet : sh_script,
	      (char *)NULL);
	die(errno, "execl(\"/bin/sh\")");
}

/* ---- outside: steps 8 and 9 ----------------------------------------- */

/* Does /proc/PID/mountinfo list a proc mounted at /proc? */
static bool has_proc_mount(pid_t pid)
{
	char path[64], line[1024], mnt[512], fstype[64];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)pid);
	f = fopen(path, "r");
	if (!f)
		die(errno, "fopen(\"%s\")", path);
	while (!found && fgets(line, sizeof line, f)) {
		char *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    sscanf(sep + 3, "%63s", fstype) == 1)
			found = strcmp(mnt, "/proc") == 0 && strcmp(fstype, "proc") == 0;
	}
	fclose(f);
	return found;
}

static void look_from_outside(pid_t child)
{
	char path[64], root[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/root", (int)child);
	n = readlink(path, root, sizeof root - 1);
	if (n < 0)
		die(errno, "readlink(\"%s\")", path);
	root[n] = '\0';
	step(8, "host: readlink(\"%s\") -> %s", path, root);
	note("and /proc/%d/mountinfo %s a proc on /proc", (int)child,
	     has_proc_mount(child) ? "lists" : "does NOT list");
	result("host:    the child's root is %s", root);
}

/* Count the host's mounts at or below the rootfs (there should be none). */
static int mounts_under(const char *dir)
{
	char line[1024], mnt[512];
	size_t len = strlen(dir);
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		die(errno, "fopen(\"/proc/self/mountinfo\")");
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    strncmp(mnt, dir, len) == 0 && (mnt[len] == '/' || !mnt[len]))
			n++;
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	int code, interrupted = 0;
	pid_t child;

	demo_begin("chroot_proc_demo", usage);
	parse_args(argc, argv);
	signals_block();

	prepare_rootfs();
	if (signal_pending_term()) {
		remove_temporary_rootfs();
		return exit_code_for_signal(signal_pending_term());
	}

	sync_init(&cfg.start);
	sync_init(&cfg.ready);
	sync_init(&cfg.done);
	child = clone_child(child_main, NULL, CLONE_NEWPID | CLONE_NEWNS,
			    "CLONE_NEWPID|CLONE_NEWNS");
	step(2, "clone(CLONE_NEWPID|CLONE_NEWNS) -> child %d (PID 1 inside)",
	     (int)child);
	sync_close_read(&cfg.start);
	sync_close_write(&cfg.ready);
	sync_close_read(&cfg.done);
	sync_signal(&cfg.start);

	if (sync_wait_or_signal(&cfg.ready) == 0) {
		look_from_outside(child);
		write_pidfile(&cfg.o, child);
		if (cfg.o.hold) {
			char root[64], ps[64], mi[64];
			const char *cmds[] = { root, ps, mi, NULL };

			snprintf(root, sizeof root, "ls -l /proc/%d/root", (int)child);
			snprintf(ps, sizeof ps, "nsenter -t %d -p -m -r ps", (int)child);
			snprintf(mi, sizeof mi, "cat /proc/%d/mountinfo", (int)child);
			hold_until_signal(child, cmds);
		}
		if (cfg.o.shell)
			signals_shell_mode();
	}
	sync_close_write(&cfg.done);

	code = wait_child(child, &interrupted);
	remove_pidfile(&cfg.o);

	/* The proc mount lived in the child's mount namespace, which died
	 * with it; the host never saw it.  Check that, then tidy up. */
	if (!interrupted) {
		int left = mounts_under(cfg.rootfs);

		step(9, "sh unmounted /proc and exited (status %d); host mounts under the rootfs: %d",
		     code, left);
		if (left)
			fprintf(stderr, "%s: %d mount(s) left under %s\n", nslab_prog,
				left, cfg.rootfs);
	}
	if (cfg.temporary) {
		remove_temporary_rootfs();
		note("removed the temporary rootfs %s", cfg.rootfs);
	}
	if (interrupted)
		fprintf(stderr, "%s: interrupted by signal %d; cleaned up\n",
			nslab_prog, interrupted);
	else
		result("host:    nothing is left mounted; exit status %d", code);
	return code;
}
