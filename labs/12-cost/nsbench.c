/*
 * nsbench.c - Lab 12: what isolation costs, measured on this machine.
 *
 * The notes say a container is lighter than a VM because it shares the
 * host's kernel: a namespace is a few kernel objects, a VM is a second
 * kernel.  This program measures that claim in the order the walkthrough
 * explains it: a plain process (the floor), clone() with each namespace
 * flag, how long the kernel takes to free each namespace after its last
 * process exits, the kernel memory each one holds, a whole mini_container
 * beside util-linux unshare, and a real VM booted on the same machine.
 */
#include "../common/nslab.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* plumbing.c: the options; the table, chart and CSV (a row sorts its
 * samples); the /proc readers; processes; the VM's parts and initramfs. */
#define MAX_RUNS 1000
struct bench_opts {
	int runs, count, vm_timeout;
	bool csv, quiet;
	const char *only;
};
void parse_args(int argc, char **argv, struct bench_opts *o);
bool wanted(const struct bench_opts *o, const char *section);
void machine(const struct bench_opts *o), begin_csv(void), heads(void), chart(int n);
void section(const char *name, int n, const char *title);
void row(const char *sec, const char *label, double *s, int n, bool kib, bool chart);
void ratio_row(const char *sec, const char *label, double *s, int n);
void skip_row(const char *sec, const char *label, const char *fmt, ...) PRINTF(3, 4);
double now_us(void);
long proc_kib(const char *path, const char *names); /* "Name: N kB" lines, summed */
long settle(const char *names, long count);	    /* /proc/meminfo once it is still */
char *lab_path(const char *rel, char *buf, size_t n);
bool in_path(const char *name, char *buf, size_t n);
int reap(pid_t pid, int sig);  /* SIG first; a signal to us is passed on as SIGTERM */
bool tell(pid_t pid, int sig); /* through a pidfd: PID must not be reaped yet */
extern int helper_out;	       /* in a helper: where its samples go */
pid_t helper(int flags, int (*body)(void *), const void *arg, int *from_helper);
void write_file(const char *path, const char *text), raise_fd_limit(int n);
pid_t start(char *const argv[], bool quiet);
pid_t spawn(char *const argv[], int in, int out);
bool collect(int fd, pid_t pid, double (*s)[MAX_RUNS], int rows, int runs);
void send_rows(int fd, double (*s)[MAX_RUNS], int rows, int runs);
const char *container_memory(char *const argv[], double (*s)[MAX_RUNS], int rounds);
bool vm_parts(char *qemu, char *kernel, size_t n, char *why, size_t whylen),
	kvm_works(char *why, size_t n);
int initramfs_fd(void);
double wait_for_line(int fd, const char *line, double deadline, char *why, size_t n);
typedef bool boot_fn(const char *qemu, const char *kernel, const char *accel, int r, char *why,
		     size_t n);
void vm(boot_fn *boot, int runs, double (*s)[MAX_RUNS]); /* KVM, or else TCG; the rows */

static struct bench_opts o;
static double s[3][MAX_RUNS];				   /* the samples of up to three rows */
static int from_helper;					   /* its samples, or "ready" */
static char small[64 * 1024] __attribute__((aligned(16))); /* the stack of a helper's child */

/* The namespace types, in the order of the table.  CLONE_NEWTIME (Linux
 * 5.6) shares its bit with the exit signal in clone()'s flags, so a time
 * namespace is made with unshare(), for the children forked after it. */
static const struct ns_type {
	const char *name, *file,
		*limit; /* /proc/PID/ns/FILE, /proc/sys/user/max_LIMIT_namespaces */
	int flag;
} types[] = {
	{ "UTS", "uts", "uts", CLONE_NEWUTS },
	{ "IPC", "ipc", "ipc", CLONE_NEWIPC },
	{ "CGROUP", "cgroup", "cgroup", CLONE_NEWCGROUP },
	{ "USER", "user", "user", CLONE_NEWUSER },
	{ "PID", "pid", "pid", CLONE_NEWPID },
	{ "MNT", "mnt", "mnt", CLONE_NEWNS },
	{ "NET", "net", "net", CLONE_NEWNET },
	{ "TIME", "time_for_children", NULL, CLONE_NEWTIME },
	{ "all eight", NULL, NULL,
	  CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWUSER | CLONE_NEWPID |
		  CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWTIME },
};
#define NTYPES (int)(sizeof types / sizeof *types)
static const struct ns_type none = { "none", "uts", NULL, 0 }; /* the control */
static int just_exit(void *arg)
{
	(void)arg;
	return 0;
}

/* [1] The floor: what a process costs before any namespace. */
static void the_floor(void)
{
	for (int i = 0; i < o.runs * 2 && !nslab_interrupted; i++) {
		double t0 = now_us();
		pid_t pid = fork();
		if (pid == 0 && i % 2)
			execl("/bin/true", "true", (char *)NULL);
		if (pid == 0)
			_exit(i % 2 ? 127 : 0);
		if (pid < 0)
			die(errno, "fork()");
		reap(pid, 0);
		s[i % 2][i / 2] = now_us() - t0;
	}
	section("floor", 1, "the floor: a process with no new namespace");
	heads();
	row("floor", "fork() + exit, reaped", s[0], o.runs, false, true);
	row("floor", "fork() + exec(/bin/true), reaped", s[1], o.runs, false, true);
}

/* [2], in a helper (unshare(CLONE_NEWTIME) must not change nsbench): clone()
 * a child in new namespaces, made before clone() returns; wait until reaped. */
static int time_clone(void *arg)
{
	const struct ns_type *t = arg;

	for (int i = 0; i < o.runs; i++) {
		double t0 = now_us();
		if ((t->flag & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) != 0)
			die(errno, "unshare(CLONE_NEWTIME)");
		pid_t pid = clone(just_exit, small + sizeof small,
				  (t->flag & ~CLONE_NEWTIME) | SIGCHLD, NULL);
		if (pid < 0)
			die(errno, "clone(CLONE_NEW%s)", t->name);
		s[0][i] = now_us() - t0;
		reap(pid, 0);
		s[1][i] = now_us() - t0;
	}
	send_rows(helper_out, s, 2, o.runs);
	return 0;
}

static void clone_each(void)
{
	char label[64];

	for (int i = -1; i < NTYPES && !nslab_interrupted; i++) { /* -1: none, as the floor here */
		const struct ns_type *t = i < 0 ? &none : &types[i];
		pid_t pid = helper(0, time_clone, t, &from_helper);
		if (!collect(from_helper, pid, s, 2, o.runs))
			die_exit(); /* the helper said why */
		if (i < 0)
			section("clone", 2,
				"clone() with new namespaces: until clone() returns | until reaped"),
				heads();
		snprintf(label, sizeof label, "%s%s, created", t->name, i == 7 ? " (unshare)" : "");
		row("clone", label, s[0], o.runs, false, true);
		snprintf(label, sizeof label, "%s, run and reaped", t->name);
		row("clone", label, s[1], o.runs, false, false);
	}
}

/* [3] When is a namespace really gone?  A network namespace outlives its
 * last process: the kernel frees it later, in a worker (cleanup_net), after
 * an RCU grace period.  The kernel's own count of namespaces per user
 * namespace (/proc/sys/user/max_*_namespaces, enforced with ENOSPC) drops
 * only when the namespace is freed.  So this helper, in a user namespace
 * of its own, sets its limit to 1: the next clone() succeeds exactly when
 * the last namespace has been given back.  It polls, every 20 µs. */
static int time_teardown(void *arg)
{
	const struct ns_type *t = arg;
	struct timespec pause = { 0, 20000 };
	char path[96];
	pid_t pid;

	for (int i = 0; i < NTYPES - 2; i++) {
		snprintf(path, sizeof path, "/proc/sys/user/max_%s_namespaces", types[i].limit);
		if (t->flag & types[i].flag)
			write_file(path, "1\n"); /* this user namespace's own limit */
	}
	if ((pid = clone(just_exit, small + sizeof small, (t->flag & ~CLONE_NEWTIME) | SIGCHLD,
			 NULL)) < 0)
		die(errno, "clone(CLONE_NEW%s)", t->name);
	for (int i = 0; i < o.runs; i++) {
		double gone, exited;
		reap(pid, 0);
		gone = exited = now_us();
		while (true) {
			pid = clone(just_exit, small + sizeof small,
				    (t->flag & ~CLONE_NEWTIME) | SIGCHLD, NULL);
			if (pid >= 0 || errno != ENOSPC || gone - exited > 10e6 ||
			    nanosleep(&pause, NULL) != 0)
				break;
			gone = now_us(); /* the kernel said ENOSPC: the last one is not freed yet */
		}
		if (pid < 0)
			die(errno, "clone(CLONE_NEW%s) after %.0f µs", t->name, gone - exited);
		s[0][i] =
			gone == exited ? 0 : gone - exited; /* 0: freed before waitpid() returned */
	}
	reap(pid, 0);
	send_rows(helper_out, s, 1, o.runs);
	return 0;
}

static void teardown_each(void)
{
	section("gone", 3,
		"after the last process exits: until the kernel has freed the namespace");
	heads();
	for (int i = 0; i < NTYPES && !nslab_interrupted; i++) {
		char label[64];
		pid_t pid;
		if (types[i].flag == CLONE_NEWTIME) {
			skip_row("gone", "TIME", "held for its creator's children");
			continue;
		}
		pid = helper(CLONE_NEWUSER, time_teardown, &types[i], &from_helper);
		if (!collect(from_helper, pid, s, 1, o.runs))
			die_exit(); /* the helper said why */
		snprintf(label, sizeof label, "%s, freed after exit",
			 i == 8 ? "all but TIME" : types[i].name);
		row("gone", label, s[0], o.runs, false, types[i].flag == CLONE_NEWNET);
	}
}

/* [4] Kernel memory: a holder process makes o.count namespaces of one
 * type and keeps each alive by an open /proc/PID/ns file alone (its first
 * process has exited); /proc/meminfo's kernel counters are read before and
 * while they are held.  A control round does the same with no new
 * namespace (the files name the host's), and is subtracted.  Holders stay
 * until their type's last round: else the next would reuse what one freed. */
static const char kernel_counters[] = ":Slab:KernelStack:PageTables:Percpu:";

static int wait_for_eof(void *arg)
{
	int *gate = arg;
	char byte;

	close(gate[1]); /* else our own copy would keep EOF from coming */
	while (read(gate[0], &byte, 1) > 0)
		;
	return 0;
}

static int hold_many(void *arg)
{
	const struct ns_type *t = arg;
	int gate[2], pids[1000], n = 0;
	char path[96], byte = 'x';

	raise_fd_limit(o.count + 64);
	if (pipe2(gate, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	for (; n < o.count; n++) {
		if (t->flag ==
		    CLONE_NEWTIME) { /* the new one is "for children" until one is forked */
			if (unshare(CLONE_NEWTIME) != 0)
				die(errno, "unshare(CLONE_NEWTIME)");
			if (open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC) < 0)
				die(errno, "open(/proc/self/ns/time_for_children)");
			continue;
		}
		if ((pids[n] = clone(wait_for_eof, small + sizeof small, t->flag | SIGCHLD, gate)) <
		    0)
			die(errno, "clone(CLONE_NEW%s) number %d", t->name, n + 1);
		snprintf(path, sizeof path, "/proc/%d/ns/%s", pids[n], t->flag ? t->file : "uts");
		if (open(path, O_RDONLY | O_CLOEXEC) < 0)
			die(errno, "open(%s)", path);
	}
	close(gate[1]); /* EOF: the first processes exit; the open files keep their namespaces */
	for (int i = 0; t->flag != CLONE_NEWTIME && i < n; i++)
		reap(pids[i], 0);
	if (write(helper_out, &byte, 1) != 1) /* "all held" */
		die(errno, "write(sync pipe)");
	pause(); /* until the parent, having read its counters, ends us */
	return 0;
}

static void memory_each(void)
{
	int rounds = o.runs < 3 ? o.runs : 3, r, n;
	double control[3];
	pid_t held[3];
	char byte, label[64];

	section("memory", 4, "kernel memory per namespace (Slab+KernelStack+PageTables+Percpu)");
	heads();
	for (int i = -2; i < NTYPES - 1 && !nslab_interrupted; i++) { /* -2: the caches warm up */
		const struct ns_type *t = i < 0 ? &none : &types[i];
		for (r = n = 0; r < rounds && !nslab_interrupted; r++) {
			long before = proc_kib("/proc/meminfo", kernel_counters), after;
			held[n++] = helper(0, hold_many, t, &from_helper);
			if (read(from_helper, &byte, 1) != 1)
				break;
			close(from_helper);
			/* A reaped process's task and kernel stack are freed only after an
			 * RCU grace period: let the counters settle before reading. */
			after = settle(kernel_counters, o.count);
			s[0][r] = (double)(after - before) / o.count - (i < 0 ? 0 : control[r]);
			if (i < 0)
				control[r] = s[0][r];
		}
		while (n > 0) { /* the holders go, and their namespaces with them */
			n--;
			reap(held[n], SIGTERM);
		}
		if (r < rounds) /* a holder failed (and said why), or a signal */
			die_exit();
		settle(kernel_counters,
		       o.count); /* the asynchronous frees, before the next "before" */
		snprintf(label, sizeof label, i < 0 ? "none (control: the same work)" : "%s, each",
			 t->name);
		if (i > -2)
			row("memory", label, s[0], rounds, true, i >= 0);
	}
}

/* [5] A whole container: mini_container (Lab 11) running, its memory;
 * and its start-to-exit beside util-linux unshare making the same
 * namespaces, pair by pair, each first in turn (the machine's mood is
 * then the same for both). */
static void container(void)
{
	char mini[PATH_MAX], unshare[PATH_MAX];
	char *mini_true[] = { mini, "--quiet", "--", "/bin/true", NULL };
	char *mini_sleep[] = { mini, "--quiet", "--", "/bin/sleep", "60", NULL };
	char *unshare_true[] = { unshare, "--fork", "--pid",	"--mount-proc", "--uts",
				 "--ipc", "--net",  "--cgroup", "/bin/true",	NULL };
	bool have_mini =
		access(lab_path("../11-container/mini_container", mini, sizeof mini), X_OK) == 0;
	int rounds = o.runs < 3 ? o.runs : 3, st;
	const char *missing = "labs/11-container/mini_container not built";

	section("container", 5, "a container: mini_container (Lab 11) beside util-linux unshare");
	heads();
	if (have_mini && (missing = container_memory(mini_sleep, s, rounds)))
		have_mini = false; /* its /bin/sleep never ran */
	if (!have_mini)
		skip_row("container", "mini_container, running", "%s", missing);
	else if (!nslab_interrupted) {
		row("container", "mini_container: PSS of its processes", s[0], rounds, true, true);
		row("container", "mini_container: RSS of its processes", s[1], rounds, true, false);
		row("container", "mini_container: its cgroup's memory", s[2], rounds, true, true);
	}
	if (!in_path("unshare", unshare, sizeof unshare)) {
		skip_row("container", "util-linux unshare, start to exit", "not installed");
		return;
	}
	for (int i = 0; i < o.runs && !nslab_interrupted; i++) {
		for (int k = 0; k < 2; k++) {
			int m = (i + k) %
				2; /* 1: mini_container, into s[1]; 0: unshare, into s[0] */
			double t0 = now_us();
			if (m && !have_mini)
				continue;
			st = reap(start(m ? mini_true : unshare_true, false), 0);
			s[m][i] = now_us() - t0;
			if (st != 0 && !nslab_interrupted)
				fprintf(stderr, "nsbench: %s -- /bin/true: status %d\n",
					m ? mini : unshare, st),
					die_exit();
		}
		s[2][i] = have_mini ? s[1][i] / s[0][i] : 0;
	}
	if (nslab_interrupted)
		return;
	row("container", "util-linux unshare, start to exit", s[0], o.runs, false, true);
	if (have_mini)
		row("container", "mini_container, start to exit", s[1], o.runs, false, true),
			ratio_row("container", "mini_container / unshare, per pair", s[2], o.runs);
	else
		skip_row("container", "mini_container, start to exit", "%s", missing);
}

/* [6] A VM on the same machine: qemu boots the kernel `make vm-check`
 * cached, with an initramfs whose /init writes one line and waits.  The
 * stopwatch stops at that line: the guest's first userspace instructions.
 * The host reads qemu's memory, sends a newline, and /init powers the
 * guest off.  False if userspace never came (WHY says what qemu said). */
static bool boot(const char *qemu, const char *kernel, const char *accel, int r, char *why,
		 size_t n)
{
	char initrd[64], path[64];
	int in[2], out[2], fd = initramfs_fd(), st;
	char *argv[] = { (char *)qemu,	"-accel",	(char *)accel,
			 "-machine",	"pc",		"-m",
			 "256",		"-smp",		"1",
			 "-nodefaults", "-display",	"none",
			 "-no-reboot",	"-serial",	"stdio",
			 "-kernel",	(char *)kernel, "-initrd",
			 initrd,	"-append",	"console=ttyS0 quiet panic=-1",
			 NULL };
	double t0 = now_us(), up;
	pid_t pid;

	snprintf(initrd, sizeof initrd, "/proc/self/fd/%d", fd); /* inherited by qemu */
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	pid = spawn(argv, in[0], out[1]); /* its serial console is our pipes */
	close(in[0]), close(out[1]), close(fd);
	up = wait_for_line(out[0], "NSLAB-VM-UP", t0 + o.vm_timeout * 1e6, why, n);
	if (up > 0) {
		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
		s[0][r] = up - t0;
		s[2][r] = proc_kib(path, ":Rss:");
		if (write(in[1], "\n", 1) != 1) /* "power off now" */
			up = 0;
	}
	if (up <= 0)
		tell(pid, SIGKILL);		    /* not reaped yet: reap() below does that */
	while (read(out[0], path, sizeof path) > 0) /* until qemu has gone */
		;
	close(in[1]), close(out[0]);
	st = reap(pid, 0);
	s[1][r] = now_us() - up;
	return up > 0 && WIFEXITED(st) && !nslab_interrupted;
}

int main(int argc, char **argv)
{
	parse_args(argc, argv, &o);
	if (o.csv)
		begin_csv();
	machine(&o);
	if (wanted(&o, "floor"))
		the_floor();
	if (wanted(&o, "clone") && !nslab_interrupted)
		clone_each();
	if (wanted(&o, "gone") && !nslab_interrupted)
		teardown_each();
	if (wanted(&o, "memory") && !nslab_interrupted)
		memory_each();
	if (wanted(&o, "container") && !nslab_interrupted)
		container();
	if (wanted(&o, "vm") && !nslab_interrupted)
		vm(boot, o.runs < 3 ? o.runs : 3, s);
	if (!nslab_interrupted && !o.quiet)
		chart(7);
	return demo_exit_code(0);
}
