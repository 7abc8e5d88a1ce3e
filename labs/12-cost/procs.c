/* procs.c - Lab 12's processes and /proc readers; see procs.h. */
#include "procs.h"
#include "../common/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* ---- helpers ---- */

int helper_out = -1;
static int (*helper_body)(void *);
static int up[2];   /* the helper's samples, to us */
static int down[2]; /* EOF, to the helper: its maps are written */
static char helper_stack[256 * 1024] __attribute__((aligned(16)));

static int helper_start(void *arg)
{
	char byte;
	ssize_t n;

	child_begin();
	close(up[0]);
	close(down[1]);
	n = read(down[0], &byte, 1);
	if (n != 0)
		die(n < 0 ? errno : EPROTO, "read(sync pipe): a byte where EOF was due");
	helper_out = up[1];
	return helper_body(arg);
}

/* In a new user namespace our root is its root and every other ID the same
 * number: a user namespace may nest only if its creator's IDs are mapped. */
pid_t helper(int flags, int (*body)(void *), const void *arg, int *from)
{
	char path[64];
	pid_t pid;

	if (pipe2(up, O_CLOEXEC) != 0 || pipe2(down, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	helper_body = body;
	pid = clone(helper_start, helper_stack + sizeof helper_stack, flags | SIGCHLD, (void *)arg);
	if (pid < 0)
		die(errno, "clone(helper)");
	watch_child(pid); /* a signal to us SIGKILLs it: its namespaces go with it */
	close(up[1]);
	close(down[0]);
	if (flags & CLONE_NEWUSER) {
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		must_write(path, "0 0 4294967295\n");
		snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
		must_write(path, "0 0 4294967295\n");
	}
	close(down[1]);
	*from = up[0];
	return pid;
}

void send_rows(int fd, samples *s, int rows, int runs)
{
	for (int i = 0; i < rows; i++)
		if (write(fd, s[i], runs * sizeof(double)) < 0)
			die(errno, "write(samples)");
}

bool collect(int fd, pid_t pid, samples *s, int rows, int runs)
{
	size_t row_size = runs * sizeof(double);
	size_t want = rows * row_size;
	size_t got = 0;
	ssize_t r;

	while (got < want) {
		r = read(fd, (char *)s[got / row_size] + got % row_size, row_size - got % row_size);
		if (r <= 0 && !(r < 0 && errno == EINTR && !nslab_interrupted))
			break;
		got += r > 0 ? (size_t)r : 0;
	}
	close(fd);
	r = reap(pid, 0);
	return WIFEXITED(r) && WEXITSTATUS(r) == 0 && got == want && !nslab_interrupted;
}

/* ---- waiting and signalling ---- */

/* The pidfd is opened only now (so that the timed loops pay nothing when
 * no signal is sent): until waitpid() has returned PID it is surely ours,
 * and the pidfd names it alone. */
bool tell(pid_t pid, int sig)
{
	int fd = pidfd_for(pid);
	bool sent = fd >= 0 && pidfd_signal(fd, sig) == 0;

	if (fd >= 0)
		close(fd);
	return sent;
}

/* A signal to us, even one that came before, becomes SIGTERM to PID, so
 * that a mini_container or vm-boot (which takes qemu along) can tidy up. */
int reap(pid_t pid, int sig)
{
	bool told = false;
	int status;

	if (sig != 0)
		told = tell(pid, sig);
	if (nslab_interrupted && !told) /* a signal came already */
		told = tell(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)pid);
		if (nslab_interrupted && !told)
			told = tell(pid, SIGTERM);
	}
	return status;
}

pid_t start(char *const argv[], int out, bool quiet)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		die(errno, "fork()");
	if (pid > 0)
		return pid;
	child_begin();
	null = open("/dev/null", O_RDWR);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || null < 0 || dup2(null, 0) < 0 ||
	    dup2(out < 0 ? null : out, 1) < 0 || (quiet && dup2(null, 2) < 0))
		die(errno, "preparing %s", argv[0]);
	execv(argv[0], argv);
	die(errno, "execv(%s)", argv[0]);
}

/* ---- files ---- */

void must_write(const char *path, const char *text)
{
	int err = write_text(path, text);

	if (err)
		die(err, "writing %s", path);
}

/* Root may raise its soft limit to the hard one. */
void raise_fd_limit(int n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < (rlim_t)n) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

long proc_kib(const char *path, const char *names)
{
	char line[256];
	char key[80];
	long total = -1;
	long v;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%62[^:]: %ld", key + 1, &v) != 2)
			continue;
		key[0] = ':';
		strcat(key, ":");
		if (strstr(names, key))
			total = (total < 0 ? 0 : total) + v;
	}
	fclose(f);
	return total;
}

/* Still: two readings 50 ms apart within COUNT/4 KiB (at least 16) of each
 * other.  Frees that come after an RCU grace period or in a kernel worker
 * are over by then (here the counters drop 10-20 ms after the last exit).
 * A reading every 10 ms, each compared with the one 50 ms before it, ends
 * the wait soon after the counters stop, not at the next whole period;
 * 5 s at most, for a machine whose counters never rest. */
long settle(const char *names, long count)
{
	enum { STEP_US = 10000, APART = 5, MAX_STEPS = 500 };
	long seen[APART];
	long tolerance = count / 4 > 16 ? count / 4 : 16;
	long now = proc_kib("/proc/meminfo", names);

	for (int i = 0; i < MAX_STEPS && !nslab_interrupted; i++) {
		seen[i % APART] = now; /* the reading of step i, kept until step i + APART */
		usleep(STEP_US);
		now = proc_kib("/proc/meminfo", names);
		if (i + 1 >= APART && labs(now - seen[(i + 1) % APART]) < tolerance)
			return now;
	}
	return now;
}

/* Found from /proc/self/exe. */
char *lab_path(const char *rel, char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (len < 0)
		die(errno, "readlink(/proc/self/exe)");
	exe[len] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(buf, n, "%s/%s", exe, rel);
	return buf;
}

bool in_path(const char *name, char *buf, size_t n)
{
	char dirs[4096];
	char *save;

	snprintf(dirs, sizeof dirs, "%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, n, "%s/%s", d, name);
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}
