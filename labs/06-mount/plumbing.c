/*
 * plumbing.c - Lab 06's plumbing, not its lesson (mount_demo.c is; the
 * functions are declared in plumbing.h):
 *   - the command line and the root filesystem to pivot into;
 *   - reading a mount table, /proc/PID/mountinfo, one line a mount;
 *   - the scratch directory, and the janitor that removes it when the demo
 *     itself cannot (SIGKILL);
 *   - a forked child's start, the --hold commands, and two questions:
 *     "same file?" and "is PID's root this directory?".
 */
#include "plumbing.h"
#include "../common/mountinfo.h"
#include "../common/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the command line and the rootfs ------------------------------------ */

static pid_t demo_pid; /* the demo's own PID, for forked_child_begin() */

static const char usage[] =
	"Usage: mount_demo [OPTION]...\n"
	"Lab 06: give a child a mount namespace of its own; watch a mount leak to the\n"
	"host through shared propagation, then stop it with MS_REC|MS_PRIVATE; then\n"
	"bind-mount a small root filesystem onto itself and pivot_root into it.\n\n"
	"      --escape             also let a process in a plain chroot climb out to the\n"
	"                           host's \"/\" through \"..\", then try the same climb\n"
	"                           after pivot_root (it gets nowhere)\n"
	"      --hold-before-pivot  wait after step 5, with one mount leaked to the host\n"
	"                           and one kept inside, and print commands to look from\n"
	"                           a second terminal; Enter, Ctrl-C or SIGTERM goes on\n"
	"      --rootfs DIR         the root filesystem to pivot into (it needs /bin/sh);\n"
	"                           default: labs/rootfs beside this program's directory,\n"
	"                           which `make` builds with tools/mkrootfs\n";

void parse_args(int argc, char **argv, struct demo_opts *opts, bool *escape,
		bool *hold_before_pivot, char rootfs[PATH_MAX])
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "escape", no_argument, NULL, 'e' },
						  { "hold-before-pivot", no_argument, NULL, 'B' },
						  { "rootfs", required_argument, NULL, 'r' },
						  { 0 } };
	const char *given = NULL;
	int c;

	demo_pid = getpid();
	demo_begin("mount_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'e')
			*escape = true;
		else if (c == 'B')
			*hold_before_pivot = true;
		else if (c == 'r')
			given = optarg;
		else
			demo_common_option(c, opts);
	}
	demo_check_opts(opts, argv[optind]);
	rootfs_choose(given, rootfs);
}

/* ---- mount tables ------------------------------------------------------- */

/* The mount on TARGET in the mount table MOUNTINFO (the last one listed:
 * the one on top), with its SOURCE and PROPAGATION (64 bytes each, or NULL:
 * not wanted): "shared:N" (peer group N), "master:N" (a slave of group N),
 * "private".  False: nothing is mounted there. */
bool mount_at(const char *mountinfo, const char *target, char *source, char *propagation)
{
	FILE *f = mountinfo_open(mountinfo);
	struct mount_entry m;
	bool found = false;

	while (mountinfo_next(f, &m)) {
		if (strcmp(m.point, target) != 0)
			continue;
		found = true;
		if (propagation)
			snprintf(propagation, 64, "%s", m.propagation);
		if (source)
			snprintf(source, 64, "%.63s", m.source);
	}
	fclose(f);
	return found;
}

/* Steps 4 and 5, from the host: is the mount the child made on WHERE in
 * the host's own table (that of this process), and in the child's? */
bool host_sees(const char *child_table, const char *where, bool should_leak)
{
	char propagation[64];
	bool inside = mount_at(child_table, where, NULL, NULL);
	bool here = mount_at("/proc/self/mountinfo", where, NULL, propagation);

	if (here)
		result("host:    our mountinfo lists %s too (%s): it LEAKED", where, propagation);
	else
		result("host:    %s is in %s mountinfo: it stayed inside", where,
		       inside ? "the child's, not our" : "NO");
	return inside && here == should_leak;
}

/* The mount points a mount table lists, in its order, into LIST; how many. */
int list_mounts(const char *mountinfo, char *list, size_t len)
{
	FILE *f = mountinfo_open(mountinfo);
	struct mount_entry m;
	size_t used = 0;
	int n = 0;

	*list = '\0';
	while (mountinfo_next(f, &m))
		if (used < len) {
			used += snprintf(list + used, len - used, "%s%s", n ? " " : "", m.point);
			n++;
		}
	fclose(f);
	return n;
}

/* ---- the scratch directory and its janitor ------------------------------ */

/* mkdtemp() in $TMPDIR (or /tmp): a new, empty, nslab-named directory, as
 * the path mountinfo will show (no links; no blanks, which it escapes). */
static bool make_scratch_dir(char dir[PATH_MAX])
{
	const char *tmp = getenv("TMPDIR");
	char made[PATH_MAX];

	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	snprintf(made, sizeof made, "%s/nslab-mnt-XXXXXX", tmp);
	if (!mkdtemp(made)) {
		warn_errno(errno, "mkdtemp(\"%s\")", made);
		return false;
	}
	if (!realpath(made, dir) || strpbrk(dir, " \t\n\\")) {
		fprintf(stderr, "%s: use a TMPDIR without links or blanks (not '%s')\n", nslab_prog,
			tmp);
		rmdir(made);
		return false;
	}
	return true;
}

/* Detach what is mounted on DIR, with all below it, and remove DIR.  (Its
 * mount may not exist: after a failed mount(), or done already.) */
void remove_scratch_dir(const char *dir)
{
	if (mount_at("/proc/self/mountinfo", dir, NULL, NULL) && umount2(dir, MNT_DETACH) != 0)
		warn_errno(errno, "umount2(\"%s\", MNT_DETACH)", dir);
	if (rmdir(dir) != 0 && errno != ENOENT)
		warn_errno(errno, "rmdir(\"%s\")", dir);
}

/* The demo removes its scratch mount on every way out but one: SIGKILL.
 * So a small process of its own, the janitor, makes the directory (its path
 * goes into DIR) and stands by, every signal blocked, until the demo dies
 * (PR_SET_PDEATHSIG then sends it SIGUSR1) or dismisses it (SIGUSR1 too).
 * Then it detaches whatever is mounted there and removes it.  It asks for
 * the signal before it makes the directory: there is no moment at which the
 * directory exists and nobody would remove it.  If the janitor cannot make
 * it, it says why, and the demo exits 1.  The janitor is held by a pidfd. */
int start_janitor(char dir[PATH_MAX])
{
	sigset_t all;
	sigset_t old;
	sigset_t usr1;
	pid_t demo = getpid();
	pid_t pid;
	int path[2];
	int sig;
	int fd;
	ssize_t n;

	if (pipe2(path, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	sigfillset(&all);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_SETMASK, &all, &old); /* the janitor is born with them blocked */
	if ((pid = fork()) == 0) {
		close(path[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0 || getppid() != demo ||
		    !make_scratch_dir(dir))
			_exit(EXIT_RUNTIME);
		/* The demo has the path: wait.  (It is gone if nobody reads.) */
		if (write(path[1], dir, strlen(dir) + 1) > 0)
			sigwait(&usr1, &sig);
		umount2(dir, MNT_DETACH); /* quietly: after a normal run, both fail */
		rmdir(dir);
		_exit(0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(path[1]);
	if (pid < 0)
		die(errno, "fork()");
	/* One write of at most PATH_MAX (= PIPE_BUF) bytes arrives whole. */
	while ((n = read(path[0], dir, PATH_MAX)) < 0 && errno == EINTR)
		;
	close(path[0]);
	if (n <= 0 || dir[n - 1] != '\0') {
		waitpid(pid, NULL, 0);
		exit(EXIT_RUNTIME);
	}
	/* Not reaped yet, so PID is still the janitor's, even if it ended. */
	if ((fd = pidfd_for(pid)) < 0)
		die(errno, "pidfd_open(%d)", (int)pid);
	return fd;
}

/* child_begin() for a process made by fork() that waits on no pipe: had the
 * demo died before PR_SET_PDEATHSIG was set, nothing would ever end it. */
void forked_child_begin(void)
{
	child_begin();
	if (getppid() != demo_pid)
		_exit(EXIT_RUNTIME);
}

/* ---- small helpers ------------------------------------------------------ */

/* --hold-before-pivot (PRISONER -1) and --hold (PRISONER 0: none, or the
 * escaped process): the commands to try from a second terminal. */
void hold_with_commands(const struct demo_opts *o, pid_t child, pid_t prisoner, const char *dir)
{
	static char cmd[4][PATH_MAX + 80];
	bool before_pivot = prisoner < 0;
	const char *const cmds[] = { cmd[0], cmd[1], before_pivot ? NULL : cmd[2],
				     prisoner > 0 ? cmd[3] : NULL, NULL };

	if (before_pivot)
		note("the child waits before step 6, one mount leaked and one kept inside");
	snprintf(cmd[0], sizeof cmd[0], "findmnt -R -o TARGET,SOURCE,PROPAGATION %s", dir);
	snprintf(cmd[1], sizeof cmd[1], "findmnt -N %d%s%s", (int)child,
		 before_pivot ? " -R -o TARGET,SOURCE,PROPAGATION " : "", before_pivot ? dir : "");
	snprintf(cmd[2], sizeof cmd[2], "sudo ls /proc/%d/root/", (int)child);
	snprintf(cmd[3], sizeof cmd[3], "sudo ls /proc/%d/root/", (int)prisoner);
	write_pidfile(o, child);
	if (before_pivot)
		hold_then = "go on with steps 6 to 9";
	hold(child, cmds);
}

/* Do paths A and B lead to the same file (device and inode)? */
bool same_file(const char *a, const char *b)
{
	struct stat sa;
	struct stat sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Steps 8 to 10, from the host: is PID's root directory DIR?  Compared as
 * files: readlink() of /proc/PID/root shows the path as seen from PID's own
 * root, "/" for an escaped process and a pivoted one alike. */
bool root_is(pid_t pid, const char *dir, const char *what)
{
	char root[64];
	bool same;

	snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
	same = same_file(root, dir);
	result("host:    %s is %s%s", root, same ? "" : "NOT ", what);
	return same;
}
