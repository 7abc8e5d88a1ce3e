/* child.c - holding children by pidfd, and holding a namespace open; see
 * child.h. */
#include "child.h"
#include "nslab.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NSLAB_P_PIDFD 3 /* waitid()'s P_PIDFD (Linux 5.4); glibc names it from 2.36 */

const char *hold_then = "end and clean up";
static volatile sig_atomic_t watched = -1; /* a pidfd: the child a signal kills */

void kill_watched_child(void)
{
	if (watched >= 0)
		syscall(SYS_pidfd_send_signal, (int)watched, SIGKILL, NULL, 0);
}

int pidfd_for(pid_t child)
{
	return (int)syscall(SYS_pidfd_open, child, 0); /* close-on-exec already */
}

int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int pidfd_end(int *pidfd, int sig)
{
	siginfo_t info = { 0 };
	int status = -1;

	if (*pidfd < 0)
		return -1;
	pidfd_signal(*pidfd, sig); /* ESRCH: it has ended already */
	/* P_PIDFD (Linux 5.4) waits for exactly this process; ECHILD if the
	 * lab has reaped it already. */
	while (waitid((idtype_t)NSLAB_P_PIDFD, (id_t)*pidfd, &info, WEXITED) != 0)
		if (errno != EINTR)
			break;
	if (info.si_pid > 0)
		status = info.si_code == CLD_EXITED ? W_EXITCODE(info.si_status, 0)
						    : W_EXITCODE(0, info.si_status);
	close(*pidfd);
	*pidfd = -1;
	return status;
}

void watch_child(pid_t child)
{
	int old = watched;
	int fd = -1;

	/* Opened before the child can have been reaped (only we reap it). */
	if (child > 0 && (fd = pidfd_for(child)) < 0)
		die(errno, "pidfd_open(%d)", (int)child);
	watched = fd; /* set, then look: a signal in between is seen by one side */
	if (old >= 0)
		close(old);
	if (nslab_interrupted && fd >= 0)
		pidfd_signal(fd, SIGKILL);
}

int signal_child(int sig)
{
	if (watched < 0) {
		errno = ESRCH;
		return -1;
	}
	return pidfd_signal(watched, sig);
}

void end_child(void)
{
	int fd = watched;

	watched = -1;
	pidfd_end(&fd, SIGKILL);
}

void child_begin(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) /* do not outlive a killed demo */
		die(errno, "prctl(PR_SET_PDEATHSIG)");
	if (watched >= 0) /* the parent's hold on a child is not ours */
		close(watched);
	watched = -1;
	nslab_interrupted = 0;
	nslab_cleanup = NULL; /* the parent's cleanup is not the child's to run */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

void hold(pid_t child, const char *const commands[])
{
	bool tty = isatty(STDIN_FILENO);
	/* Enter on a terminal; a pidfd (Linux 5.3) is readable once CHILD ends. */
	struct pollfd p[2] = {
		{ .fd = tty ? STDIN_FILENO : -1, .events = POLLIN },
		{ .fd = child > 0 ? pidfd_for(child) : -1, .events = POLLIN },
	};
	int saved = watched;
	sigset_t all;
	sigset_t old;
	char buf[256];

	printf("Holding. From a second terminal, try:\n");
	for (int i = 0; commands && commands[i]; i++)
		printf("    %s\n", commands[i]);
	printf("Press Ctrl-C%s to %s.\n", tty ? " or Enter" : "", hold_then);
	hold_then = "end and clean up"; /* the next hold is the last, unless said */
	fflush(stdout);
	/* ppoll() unblocks them atomically: a signal just before is not lost. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (!nslab_interrupted) { /* else the child is gone already */
		watched = -1;	  /* ending a hold is no reason to kill */
		while (ppoll(p, 2, NULL, &old) < 0 && !nslab_interrupted)
			;
		if (p[0].revents && read(STDIN_FILENO, buf, sizeof buf) < 0)
			warn_errno(errno, "read(stdin)");
		nslab_interrupted = 0;
		watched = saved;
	}
	if (p[1].fd >= 0)
		close(p[1].fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
