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
 * The plumbing is in options.c, table.c, procs.c and external.c, and the
 * VM is booted by tools/vm-boot.
 */
#include "external.h"
#include "options.h"
#include "procs.h"
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct bench_opts o;
static samples s[3];					   /* the samples of up to three rows */
static int from_helper;					   /* its samples, or "ready" */
static char small[64 * 1024] __attribute__((aligned(16))); /* the stack of a helper's child */

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
	section(1, "the floor: a process with no new namespace");
	row("floor", "fork() + exit, reaped", s[0], o.runs, false, true);
	row("floor", "fork() + exec(/bin/true), reaped", s[1], o.runs, false, true);
}

/* [2], in a helper (unshare(CLONE_NEWTIME) must not change nsbench): clone()
 * a child in new namespaces, made before clone() returns; wait until reaped. */
static int time_clone(void *arg)
{
	const struct kind *k = arg;

	for (int i = 0; i < o.runs; i++) {
		double t0 = now_us();
		pid_t pid;

		if ((k->flag & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) != 0)
			die(errno, "unshare(CLONE_NEWTIME)");
		pid = clone(just_exit, small + sizeof small, (k->flag & ~CLONE_NEWTIME) | SIGCHLD,
			    NULL);
		if (pid < 0)
			die(errno, "clone(CLONE_NEW%s)", k->label);
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

	for (int i = -1; i < NKINDS && !nslab_interrupted; i++) { /* -1: none, as the floor here */
		const struct kind *k = i < 0 ? &none : &kinds[i];
		pid_t pid = helper(0, time_clone, k, &from_helper);

		if (!collect(from_helper, pid, s, 2, o.runs))
			die_exit(); /* the helper said why */
		if (k == &none)
			section(2,
				"clone() with new namespaces: until clone() returns | until reaped");
		snprintf(label, sizeof label, "%s%s, created", k->label,
			 k->flag == CLONE_NEWTIME ? " (unshare)" : "");
		row("clone", label, s[0], o.runs, false, true);
		snprintf(label, sizeof label, "%s, run and reaped", k->label);
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
	const struct kind *k = arg;
	const int flags = (k->flag & ~CLONE_NEWTIME) | SIGCHLD;
	struct timespec pause = { 0, 20000 };
	char path[96];
	double first;
	pid_t pid;

	for (int i = 0; i < NS_TYPES; i++) {
		snprintf(path, sizeof path, "/proc/sys/user/max_%s_namespaces", ns_types[i].limit);
		if (flags & ns_types[i].flag)
			must_write(path, "1\n"); /* this user namespace's own limit */
	}
	first = now_us(); /* nothing of ours is pending: a plain clone() */
	pid = clone(just_exit, small + sizeof small, flags, NULL);
	if (pid < 0)
		die(errno, "clone(CLONE_NEW%s)", k->label);
	first = now_us() - first;
	for (int i = 0; i < o.runs; i++) {
		double exited;
		double gone;
		double asked;

		reap(pid, 0);
		exited = now_us();
		gone = exited;
		while (true) {
			asked = now_us();
			pid = clone(just_exit, small + sizeof small, flags, NULL);
			if (pid >= 0 || errno != ENOSPC || gone - exited > 10e6 ||
			    nanosleep(&pause, NULL) != 0)
				break;
			gone = now_us(); /* the kernel said ENOSPC: the last one is not freed yet */
		}
		if (pid < 0)
			die(errno, "clone(CLONE_NEW%s) after %.0f µs", k->label, gone - exited);
		/* IPC alone waits inside clone() for its pending frees instead of
		 * saying ENOSPC (ipc/namespace.c).  A clone() over a millisecond
		 * slower than the first one did: the free came just before its work. */
		if ((flags & CLONE_NEWIPC) && now_us() - asked > first + 1000)
			gone = now_us() - first;
		s[0][i] = gone - exited; /* 0: freed before waitpid() returned */
	}
	reap(pid, 0);
	send_rows(helper_out, s, 1, o.runs);
	return 0;
}

static void teardown_each(void)
{
	char label[64];
	pid_t pid;

	section(3, "after the last process exits: until the kernel has freed the namespace");
	for (int i = 0; i < NKINDS && !nslab_interrupted; i++) {
		const struct kind *k = &kinds[i];

		if (k->flag == CLONE_NEWTIME) {
			skip_row("gone", k->label, "held for its creator's children");
			continue;
		}
		pid = helper(CLONE_NEWUSER, time_teardown, k, &from_helper);
		if (!collect(from_helper, pid, s, 1, o.runs))
			die_exit(); /* the helper said why */
		snprintf(label, sizeof label, "%.20s, freed after exit",
			 i == ALL ? "all but TIME" : k->label);
		row("gone", label, s[0], o.runs, false, k->flag == CLONE_NEWNET);
	}
}

/* [4] Kernel memory: a holder process makes o.count namespaces of one
 * type and keeps each alive by an open /proc/PID/ns file alone (its first
 * process has exited); /proc/meminfo's kernel counters are read before and
 * while they are held.  A control round does the same with no new
 * namespace (the files name the host's), and is subtracted.  Holders stay
 * until their type's last round: else the next would reuse what one freed.
 * The counters are the whole machine's: a type too small to see comes out
 * near 0, even below it, and the table says so. */
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
	const struct kind *k = arg;
	int gate[2];
	pid_t pids[1000];
	int n = 0;
	char path[96];
	char byte = 'x';

	raise_fd_limit(o.count + 64);
	if (pipe2(gate, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	for (; n < o.count; n++) {
		if (k->flag == CLONE_NEWTIME) { /* "for children" until one is forked */
			if (unshare(CLONE_NEWTIME) != 0)
				die(errno, "unshare(CLONE_NEWTIME)");
			if (open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC) < 0)
				die(errno, "open(/proc/self/ns/time_for_children)");
			continue;
		}
		pids[n] = clone(wait_for_eof, small + sizeof small, k->flag | SIGCHLD, gate);
		if (pids[n] < 0)
			die(errno, "clone(CLONE_NEW%s) number %d", k->label, n + 1);
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pids[n], k->file);
		if (open(path, O_RDONLY | O_CLOEXEC) < 0)
			die(errno, "open(%s)", path);
	}
	close(gate[1]); /* EOF: the first processes exit; the open files keep their namespaces */
	for (int i = 0; k->flag != CLONE_NEWTIME && i < n; i++)
		reap(pids[i], 0);
	if (write(helper_out, &byte, 1) != 1) /* "all held" */
		die(errno, "write(sync pipe)");
	pause(); /* until the parent, having read its counters, ends us */
	return 0;
}

static void memory_each(void)
{
	int rounds = o.runs < MAX_ROUNDS ? o.runs : MAX_ROUNDS;
	int r;
	int n;
	double control[MAX_ROUNDS];
	pid_t held[MAX_ROUNDS];
	char byte;
	char label[64];
	bool below_zero = false;

	section(4, "kernel memory per namespace (Slab+KernelStack+PageTables+Percpu)");
	for (int i = -2; i < NS_TYPES && !nslab_interrupted; i++) { /* -2: the caches warm up */
		const struct kind *k = i < 0 ? &none : &kinds[i];

		for (r = n = 0; r < rounds && !nslab_interrupted; r++) {
			long before = proc_kib("/proc/meminfo", kernel_counters);
			long after;

			held[n++] = helper(0, hold_many, k, &from_helper);
			if (read(from_helper, &byte, 1) != 1)
				break;
			close(from_helper);
			/* A reaped process's task and kernel stack are freed only after an
			 * RCU grace period: let the counters settle before reading. */
			after = settle(kernel_counters, o.count);
			s[0][r] = (double)(after - before) / o.count - (i < 0 ? 0 : control[r]);
			if (i < 0)
				control[r] = s[0][r];
			below_zero |= i > -2 && s[0][r] < 0;
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
			 k->label);
		if (i > -2)
			row("memory", label, s[0], rounds, true, i >= 0);
	}
	if (below_zero && !nslab_interrupted) {
		remark("below 0: the kernel's counters moved by less than their noise here;");
		remark("read such a figure as too small to see this way (try a larger --count)");
	}
}

/* [5] A whole container: mini_container (Lab 11) running, its memory;
 * and its start-to-exit beside util-linux unshare making the same
 * namespaces, pair by pair, each first in turn (the machine's mood is
 * then the same for both). */
static void container(void)
{
	char mini[PATH_MAX];
	char unshare[PATH_MAX];
	char *mini_true[] = { mini, "--quiet", "--", "/bin/true", NULL };
	char *mini_sleep[] = { mini, "--quiet", "--", "/bin/sleep", "60", NULL };
	char *unshare_true[] = { unshare, "--fork", "--pid",	"--mount-proc", "--uts",
				 "--ipc", "--net",  "--cgroup", "/bin/true",	NULL };
	bool have_mini =
		access(lab_path("../11-container/mini_container", mini, sizeof mini), X_OK) == 0;
	int rounds = o.runs < MAX_ROUNDS ? o.runs : MAX_ROUNDS;
	const char *missing = "labs/11-container/mini_container not built";

	section(5, "a container: mini_container (Lab 11) beside util-linux unshare");
	if (have_mini && (missing = container_memory(mini_sleep, s, rounds)))
		have_mini = false; /* its /bin/sleep never ran */
	if (!have_mini) {
		skip_row("container", "mini_container, running", "%s", missing);
	} else if (!nslab_interrupted) {
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
			bool m = (i + k) % 2; /* mini_container, into s[1]; else unshare, s[0] */
			double t0 = now_us();
			int st;
			if (m && !have_mini)
				continue;
			st = reap(start(m ? mini_true : unshare_true, -1, false), 0);
			s[m][i] = now_us() - t0;
			if (st != 0 && !nslab_interrupted) {
				fprintf(stderr, "nsbench: %s -- /bin/true: status %d\n",
					m ? mini : unshare, st);
				die_exit();
			}
		}
		s[2][i] = have_mini ? s[1][i] / s[0][i] : 0;
	}
	if (nslab_interrupted)
		return;
	row("container", "util-linux unshare, start to exit", s[0], o.runs, false, true);
	if (have_mini) {
		row("container", "mini_container, start to exit", s[1], o.runs, false, true);
		ratio_row("container", "mini_container / unshare, per pair", s[2], o.runs);
	} else {
		skip_row("container", "mini_container, start to exit", "%s", missing);
	}
}

/* [6] A VM on the same machine: tools/vm-boot has qemu boot the kernel
 * `make vm-check` cached, to an initramfs whose /init writes one line and
 * waits.  The stopwatch stops at that line: the guest's first program runs.
 * qemu's RSS is read then; a newline and /init powers the guest off. */
static void vm(void)
{
	char said[512];
	int n;
	bool kvm;

	section(6, "a VM on the same machine: boot to userspace, and its memory");
	n = vm_boots(o.runs < MAX_ROUNDS ? o.runs : MAX_ROUNDS, o.vm_timeout, s, said, sizeof said);
	if (nslab_interrupted)
		return;
	if (strncmp(said, "skip ", 5) == 0) {
		skip_row("vm", "VM", "%s", said + strlen("skip "));
		return;
	}
	kvm = strcmp(said, "accel kvm") == 0;
	remark("qemu under %s", kvm ? "KVM: the guest's instructions run on the CPU itself"
				    : "TCG, software emulation:");
	if (!kvm)
		remark("  %s", said + strlen("accel tcg "));
	row("vm", kvm ? "VM under KVM: boot to /init" : "VM under TCG: boot to /init", s[0], n,
	    false, true);
	row("vm", "VM: power-off until qemu has exited", s[1], n, false, false);
	row("vm", "VM: qemu's RSS, guest at userspace", s[2], n, true, true);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv, &o);
	table_begin(o.csv);
	list_kinds();
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
		vm();
	if (!nslab_interrupted && !o.quiet)
		chart(7);
	return demo_exit_code(0);
}
