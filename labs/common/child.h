/* child.h - a demo's children, held by pidfd, and the hold that keeps a
 * namespace open; part of the scaffolding nslab.h gives every lab. */
#ifndef NSLAB_CHILD_H
#define NSLAB_CHILD_H
#include <sys/types.h>

/* A child is held by a pidfd (Linux 5.3), never by its PID alone: once a
 * child is reaped, the kernel may give its PID to any new process, but a
 * pidfd names one process for as long as it is open, and a signal sent
 * through it to a process that has ended fails (ESRCH) instead of reaching
 * another.  So the demo never signals a process that is not its own. */
void watch_child(pid_t child);	      /* a signal now SIGKILLs CHILD (0: none) */
void end_child(void);		      /* SIGKILL the watched child, reap it unless reaped, let go */
int signal_child(int sig);	      /* to the watched child, by its pidfd */
int pidfd_for(pid_t child);	      /* -1 and errno if it cannot be had */
int pidfd_signal(int pidfd, int sig); /* 0, or -1 and errno (ESRCH: ended) */
int pidfd_end(int *pidfd, int sig);   /* signal, reap, close: wait status */
void child_begin(void);		      /* in a cloned child: die with the demo */
/* Print COMMANDS to try from a second terminal; wait for Enter, a signal
 * (the expected end, not an interruption) or CHILD's exit (0: none). */
void hold(pid_t child, const char *const commands[]);
/* What the hold's prompt says comes after it (for one hold): "end and
 * clean up" unless a lab holds in the middle of its story. */
extern const char *hold_then;
/* For the signal handler: SIGKILL the watched child (async-signal-safe). */
void kill_watched_child(void);
#endif
