/*
 * ipc_demo.c - Lab 08: message queues and shared memory of one's own.
 *
 * System V IPC objects (message queues, shared-memory segments, semaphore
 * sets) are found by a key, a number that cooperating programs agree on,
 * and they last until someone removes them: their creator's exit does not.
 * An IPC namespace has its own table of them, so one key can name an object
 * on the host and another one, or nothing, inside.  POSIX message queues
 * belong to the IPC namespace too; an "mqueue" file system lists them (those
 * of the namespace that mounted it).  The shell way: `sudo unshare --ipc
 * --mount bash`, then `ipcmk -Q`, `ipcs`.  Steps as narrated.
 *
 * The kit's objects, as tools/nslab-clean finds what a run killed with
 * SIGKILL left on the host: System V keys 0x6e000000 ('n', for nslab) plus
 * a number below 2^22, by default the demo's PID, so that two runs at once
 * never share a key; POSIX queues named /nslab-ipc-KEY, the key in hex.
 */
#include "../common/nslab.h"
#include "plumbing.h"
#include "../common/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static struct demo_opts opts;
static key_t key;
static unsigned mib = 16;	  /* the size of the segment made inside */
static char mq_name[32];	  /* "/nslab-ipc-6e0004d2" */
static const char *mq_dir;	  /* where the child mounts its mqueue file system */
static int host_q = -1;		  /* the host's System V queue, until removed */
static mqd_t host_mq = (mqd_t)-1; /* the host's POSIX queue, until unlinked */
/* Small queues: every queue counts against its user's RLIMIT_MSGQUEUE. */
static struct mq_attr small = { .mq_maxmsg = 4, .mq_msgsize = 64 };
static long shmem_with;	 /* Shmem (kB) while the inside segment exists */
static int to_child[2];	 /* the sync pipes, one each way: */
static int to_parent[2]; /* a byte says "go on", EOF "done" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* A System V message is a type (a positive long) followed by the bytes. */
static void send_text(int q, const char *text)
{
	struct {
		long mtype;
		char mtext[64];
	} m = { .mtype = 1 };

	snprintf(m.mtext, sizeof m.mtext, "%s", text);
	if (msgsnd(q, &m, strlen(m.mtext) + 1, 0) != 0)
		die(errno, "msgsnd(%d)", q);
}

/* Step 1, on the host: a System V queue holding one message, and an empty
 * POSIX queue.  Neither goes away when this process ends: removing them is
 * the demo's job, on every way out (remove_host_objects). */
static void create_host_objects(void)
{
	if ((host_q = msgget(key, IPC_CREAT | IPC_EXCL | 0600)) < 0)
		die_hint(errno, errno == EEXIST ? EEXIST_HINT : NULL,
			 "msgget(0x%08x, IPC_CREAT|IPC_EXCL)", key);
	send_text(host_q, "hello from the host");
	if ((host_mq = mq_open(mq_name, O_RDWR | O_CREAT | O_EXCL, 0600, &small)) == (mqd_t)-1)
		die(errno, "mq_open(\"%s\", O_CREAT|O_EXCL)", mq_name);
	step(1, "host: msgget(0x%08x, IPC_CREAT|IPC_EXCL) -> queue %d; msgsnd()", key, host_q);
	note("and mq_open(\"%s\", O_CREAT|O_EXCL): a POSIX queue, left empty", mq_name);
	result("host:    key 0x%08x names queue %d (1 message); %s exists", key, host_q, mq_name);
}

/* Step 3, inside: the host's key names nothing here. */
static int look_inside(void)
{
	int n;
	int q = msgget(key, 0);

	if (q >= 0) /* only if clone() made no new IPC namespace */
		return claim_failed("inside, key 0x%08x names the host's queue %d", key, q);
	if (errno != ENOENT)
		die(errno, "msgget(0x%08x, 0)", key);
	if ((n = sysvipc_count("msg")) < 0)
		die(errno, "reading /proc/sysvipc/msg");
	step(3, "inside: msgget(0x%08x, 0) -> ENOENT; /proc/sysvipc/msg lists %d queue(s)", key, n);
	note("a new IPC namespace starts empty: nothing of the host's is copied or shown");
	result("inside:  key 0x%08x names nothing", key);
	return 0;
}

/* Step 4, inside: the same key again, now free to take.  Every page of the
 * segment is written, so that it really takes memory (Shmem, step 7). */
static void create_inside(void)
{
	size_t size = (size_t)mib << 20;
	int q;
	int shm;
	char *p;

	if ((q = msgget(key, IPC_CREAT | IPC_EXCL | 0600)) < 0)
		die(errno, "msgget(0x%08x, IPC_CREAT|IPC_EXCL) inside", key);
	send_text(q, "hello from inside the namespace");
	if ((shm = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600)) < 0)
		die(errno, "shmget(0x%08x, %u MiB, IPC_CREAT|IPC_EXCL)", key, mib);
	if ((p = shmat(shm, NULL, 0)) == (void *)-1)
		die(errno, "shmat(%d)", shm);
	memset(p, 0x6e, size);
	step(4, "inside: msgget(0x%08x, IPC_CREAT|IPC_EXCL) -> queue %d; shmget() -> segment %d",
	     key, q, shm);
	note("msgsnd(), shmat(); on the host, where the key is taken, IPC_EXCL means EEXIST");
	result("inside:  key 0x%08x names queue %d (1 message) and a %u MiB segment", key, q, mib);
}

/* Step 5, inside: a POSIX queue of the host's queue's name, and an mqueue
 * file system to see it.  Such a mount lists the queues of the IPC namespace
 * that mounted it (a copy of the host's /dev/mqueue shows the host's), so
 * the child mounts its own, after making "/" private: where it is shared
 * (systemd shares it) a mount in a copied tree would appear on the host. */
static void mqueue_inside(void)
{
	char names[256];
	mqd_t mq;
	int n;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die(errno, "mount(\"/\", MS_REC|MS_PRIVATE)");
	if (mount("mqueue", mq_dir, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		die(errno, "mount(\"mqueue\", \"%s\")", mq_dir);
	if ((mq = mq_open(mq_name, O_RDWR | O_CREAT | O_EXCL, 0600, &small)) == (mqd_t)-1)
		die(errno, "mq_open(\"%s\", O_CREAT|O_EXCL) inside", mq_name);
	if (mq_send(mq, "hello", 6, 0) != 0)
		die(errno, "mq_send(\"%s\")", mq_name);
	if ((n = list_dir(mq_dir, names, sizeof names)) < 0)
		die(errno, "opendir(\"%s\")", mq_dir);
	step(5, "inside: mount(\"/\", MS_REC|MS_PRIVATE), mount(\"mqueue\", \"%s\", \"mqueue\")",
	     mq_dir);
	note("mq_open(\"%s\", O_CREAT|O_EXCL) -> a new queue, mq_send()", mq_name);
	note("%s lists: %s", mq_dir, names);
	result("inside:  %s shows %d queue(s), this namespace's own", mq_dir, n);
}

/* The child: steps 3 to 5 in its new IPC namespace, then it keeps that
 * namespace alive until the parent closes its pipe, then becomes SHELL. */
static int child_main(void *shell)
{
	char go;

	child_begin();
	close(to_child[1]); /* only the parent's copies may hold EOF back */
	close(to_parent[0]);
	if (read(to_child[0], &go, 1) != 1 || look_inside() != 0)
		return EXIT_RUNTIME;
	create_inside();
	mqueue_inside();
	if (write(to_parent[1], "x", 1) != 1) /* "made them" */
		die(errno, "write(sync pipe)");
	/* Until the parent hangs up, having told step 6: a shell then starts
	 * after the story's last line, not in the middle of it. */
	while (read(to_child[0], &go, 1) > 0)
		;
	if (opts.shell) {
		execl(shell, shell, (char *)NULL);
		die(errno, "execl(\"%s\")", (char *)shell);
	}
	return 0; /* removing nothing, on purpose: see step 7 */
}

/* Step 6, on the host again: the child's objects are nowhere to be seen,
 * and the host's queue holds what it held. */
static bool look_from_host(void)
{
	struct msqid_ds q;
	struct mq_attr a;
	int shm = shmget(key, 0, 0);

	if (shm < 0 && errno != ENOENT)
		die(errno, "shmget(0x%08x, 0, 0)", key);
	if (msgctl(host_q, IPC_STAT, &q) != 0)
		die(errno, "msgctl(%d, IPC_STAT)", host_q);
	if (mq_getattr(host_mq, &a) != 0)
		die(errno, "mq_getattr(\"%s\")", mq_name);
	if ((shmem_with = file_key("/proc/meminfo", "Shmem")) < 0)
		die(ENOENT, "reading Shmem in /proc/meminfo");
	step(6, "host: shmget(0x%08x, 0, 0) -> %s; msgctl(%d, IPC_STAT); mq_getattr()", key,
	     shm < 0 ? "ENOENT" : "a segment", host_q);
	note("queue %d holds %lu message(s), the last sent by PID %d (this demo)", host_q,
	     (unsigned long)q.msg_qnum, (int)q.msg_lspid);
	note("%s holds %ld message(s); Shmem in /proc/meminfo: %ld kB", mq_name, a.mq_curmsgs,
	     shmem_with);
	if (shm >= 0 || q.msg_qnum != 1 || a.mq_curmsgs != 0) {
		result("host:    the child's objects are visible here: ONE namespace, not two");
		return false;
	}
	result("host:    key 0x%08x still names only queue %d (1 message); no segment", key,
	       host_q);
	return true;
}

/* Step 7: the child has ended without removing anything.  On the host its
 * objects would stay until reboot; a namespace's go with the namespace.
 * The kernel frees an IPC namespace nobody uses a moment later, in the
 * background, so Shmem is read again for up to 2 s until nearly all of the
 * segment has gone.  Half of it is proof enough: others use Shmem too. */
static void watch_segment_go(void)
{
	long size = (long)mib * 1024;
	long now = shmem_wait_fall(shmem_with, size * 9 / 10);

	if (nslab_interrupted)
		return;
	step(7, "the child has exited; Shmem in /proc/meminfo: %ld kB -> %ld kB", shmem_with, now);
	note("nobody removed the inside queue, segment or POSIX queue: the namespace took them");
	if (shmem_with - now >= size / 2)
		result("gone:    the %u MiB segment was freed with its namespace", mib);
	else
		result("Shmem did not fall by %u MiB in 2 s: others use shared memory too?", mib);
}

/* Step 8, and on every other way out (cleanup): the host's objects go.
 * A child still running is killed by the kernel when the demo exits
 * (child_begin), and takes its namespace and everything in it along. */
static void remove_host_objects(bool tell)
{
	int q = host_q;

	if (q >= 0 && msgctl(q, IPC_RMID, NULL) != 0 && tell)
		die(errno, "msgctl(%d, IPC_RMID)", q);
	host_q = -1;
	if (host_mq != (mqd_t)-1 && mq_unlink(mq_name) != 0 && tell)
		die(errno, "mq_unlink(\"%s\")", mq_name);
	host_mq = (mqd_t)-1;
	if (!tell || q < 0)
		return;
	step(8, "host: msgctl(%d, IPC_RMID), mq_unlink(\"%s\")", q, mq_name);
	result("host:    key 0x%08x and %s are free again", key, mq_name);
}

static void cleanup(void) /* die() removes the pidfile itself */
{
	remove_host_objects(false);
}

int main(int argc, char **argv)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	int status;
	int code = 0;
	char made;
	pid_t child;

	key = kit_key_base + getpid();
	parse_args(argc, argv, &opts, &key, &mib);
	snprintf(mq_name, sizeof mq_name, "/nslab-ipc-%08x", (unsigned)key);
	mq_dir = access("/dev/mqueue", F_OK) == 0 ? "/dev/mqueue" : "/mnt"; /* no systemd: /mnt */
	on_die(cleanup);
	create_host_objects();

	if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* clone() starts child_main() on the stack it is given (its top: stacks grow
	 * down) in new IPC and mount namespaces; SIGCHLD at its end, for waitpid(). */
	if ((child = clone(child_main, child_stack + sizeof child_stack,
			   CLONE_NEWIPC | CLONE_NEWNS | SIGCHLD, (void *)sh)) < 0)
		die(errno, "clone(CLONE_NEWIPC|CLONE_NEWNS)");
	watch_child(child);
	step(2, "clone(CLONE_NEWIPC|CLONE_NEWNS) -> child %d (its own IPC namespace)", (int)child);
	note("the new mount namespace is for step 5's mqueue mount only");
	close(to_child[0]); /* the child's copies alone decide EOF */
	close(to_parent[1]);
	if (write(to_child[1], "x", 1) != 1) /* "step 2 is told: go on" */
		warn_errno(errno, "write(sync pipe)");

	/* No byte back: the child failed (it said why), or Ctrl-C came. */
	if (read(to_parent[0], &made, 1) == 1) {
		code = look_from_host() ? 0 : EXIT_RUNTIME;
		write_pidfile(&opts, child);
		if (opts.hold)
			hold_commands(child, mq_dir, mq_name);
		if (opts.shell) {
			note("a shell runs inside; try `ipcs`, `ls %s`, then `exit`", mq_dir);
			shell_owns_terminal();
		}
	}
	close(to_child[1]); /* EOF: the child ends now (or becomes its shell) */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	if (shmem_with > 0 && !nslab_interrupted) /* the story got as far as step 6 */
		watch_segment_go();
	remove_host_objects(!nslab_interrupted);
	remove_pidfile(&opts);
	return code ? code : demo_exit_code(status);
}
