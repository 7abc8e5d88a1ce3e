/* procs.h - Lab 12's processes and /proc readers: helpers that measure in
 * a child and send their samples back, waiting and signalling, and the
 * memory of a running container.  Not the lesson: nsbench.c is. */
#ifndef NSBENCH_PROCS_H
#define NSBENCH_PROCS_H
#include "options.h"

#include <stddef.h>

typedef double samples[MAX_RUNS]; /* one row's samples */

double now_us(void); /* CLOCK_MONOTONIC, in microseconds */

/* A helper: a child cloned with FLAGS (0 or CLONE_NEWUSER, where our root
 * is its root) that runs BODY(ARG), started once its ID maps are written.
 * It sends its samples through helper_out; we read them from *FROM. */
extern int helper_out;
pid_t helper(int flags, int (*body)(void *), const void *arg, int *from);
void send_rows(int fd, samples *s, int rows, int runs); /* in the helper */
/* Read ROWS rows of RUNS samples from FD, then reap the helper PID; false
 * if it failed (it has said why) or a signal came. */
bool collect(int fd, pid_t pid, samples *s, int rows, int runs);

/* SIG to PID, our child not yet reaped, through a pidfd.  True if sent. */
bool tell(pid_t pid, int sig);
/* Wait for PID, our child not yet reaped, after sending it SIG (0: none); a
 * signal to us is passed on as SIGTERM.  The wait status. */
int reap(pid_t pid, int sig);
/* fork() + execv(ARGV): stdin /dev/null, stdout OUT (-1: /dev/null), stderr
 * ours or, if QUIET, /dev/null; our death reaches it as SIGTERM. */
pid_t start(char *const argv[], int out, bool quiet);

void must_write(const char *path, const char *text); /* write_text(), or die */
void raise_fd_limit(int n);			     /* room for N open files */
/* The sum of some "Name:   123 kB" lines of a /proc file, in KiB; NAMES is
 * a list like ":Slab:KernelStack:".  -1 if it cannot be read. */
long proc_kib(const char *path, const char *names);
/* /proc/meminfo's NAMES once they are still (COUNT: how many objects just
 * came or went), or after 5 s. */
long settle(const char *names, long count);
char *lab_path(const char *rel, char *buf, size_t n); /* relative to this lab */
bool in_path(const char *name, char *buf, size_t n);  /* NAME in $PATH */
#endif
