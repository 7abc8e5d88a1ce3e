/*
 * nslab.h - the few helpers every lab shares.
 *
 * Each lab is one story told by one main().  The plumbing that would
 * otherwise be copied into every story lives here, and only that:
 *
 *   - errors:    die() names the failed call, the errno name and a hint;
 *   - narration: step(), note() and result() print numbered, optionally
 *                coloured lines, and honour --quiet;
 *   - options:   the common demo interface (--help, --quiet, --hold,
 *                --pidfile, --shell) parsed in one place;
 *   - signals:   SIGINT/SIGTERM/SIGHUP are blocked and read from a
 *                signalfd, so every wait can notice them and clean up;
 *   - sync:      a one-way pipe that lets a parent and child wait for
 *                each other without sleep();
 *   - clone:     clone(2) with its own stack, and waiting for the child
 *                with its status turned into an exit code.
 */
#ifndef NSLAB_H
#define NSLAB_H

#include <getopt.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>

/* Exit codes shared by every demo. */
enum { EXIT_USAGE = 2, EXIT_RUNTIME = 1 };

/* ---- errors -------------------------------------------------------- */

/* The program name used in messages ("uts_demo"). */
extern const char *nslab_prog;

/* Print "prog: CALL: ENAME (text) - hint" to stderr and exit 1.
 * CALL is a printf format naming the call, e.g. "sethostname(\"%s\")". */
noreturn void die(int err, const char *call_fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like die() but returns, so a caller can clean up first. */
void warn_errno(int err, const char *call_fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "prog: MESSAGE" and a pointer to --help, then exit 2. */
noreturn void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Cleanup hook run by die(), so a demo that owns a resource (a link,
 * a cgroup, a temporary directory) removes it on the error path too. */
void on_die(void (*fn)(void));

/* ---- narration ----------------------------------------------------- */

/* "[N] what happened" - one numbered step (hidden by --quiet). */
void step(int n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "    why it matters" - an indented explanation (hidden by --quiet). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "==> result" - a result line, printed even with --quiet. */
void result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the common demo interface -------------------------------------- */

struct demo_opts {
	bool quiet;          /* --quiet: only result lines                */
	bool hold;           /* --hold: keep the namespace until a signal */
	bool shell;          /* --shell: interactive shell inside         */
	const char *pidfile; /* --pidfile FILE: child's host PID          */
};

/* Long options every demo accepts; append a lab's own after these. */
#define DEMO_COMMON_LONGOPTS                                   \
	{ "help", no_argument, NULL, 'h' },                    \
	{ "quiet", no_argument, NULL, 'q' },                   \
	{ "hold", no_argument, NULL, 'H' },                    \
	{ "shell", no_argument, NULL, 'S' },                   \
	{ "pidfile", required_argument, NULL, 'P' }
#define DEMO_COMMON_SHORTOPTS "hq"

/* Name the program and its help text (the lab's own part; the common
 * options are appended).  Call first in main(). */
void demo_begin(const char *prog, const char *usage);

/* Handle a common option; returns false if C is not one of them. */
bool demo_common_option(int c, struct demo_opts *o);

/* Reject the combinations that make no sense (--hold with --shell). */
void demo_check_opts(const struct demo_opts *o);

/* Write PID to the --pidfile atomically (temp file + rename), so a
 * reader never sees a half-written number.  No-op without --pidfile. */
void write_pidfile(const struct demo_opts *o, pid_t pid);
/* Remove the --pidfile again on the way out. */
void remove_pidfile(const struct demo_opts *o);

/* Print the "look at it from a second terminal" commands and wait for
 * SIGINT/SIGTERM/SIGHUP (or Enter on a terminal).  Returns early with
 * 0 if CHILD exits meanwhile (pass 0 for no child). */
void hold_until_signal(pid_t child, const char *const commands[]);

/* ---- signals ------------------------------------------------------- */

/* Block SIGINT, SIGTERM, SIGHUP and SIGCHLD and route them to a
 * signalfd.  Call first thing in main().  While blocked, a Ctrl-C
 * cannot kill the demo half-way: it is read at the next wait and the
 * demo cleans up instead. */
void signals_block(void);
/* In a child: restore the signal mask it had before signals_block(). */
void signals_restore(void);
/* Ignore SIGINT/SIGQUIT from the terminal while an interactive shell
 * owns it (like system(3) does): Ctrl-C belongs to the shell. */
void signals_shell_mode(void);
/* A termination signal that is already pending, or 0. */
int signal_pending_term(void);
/* Exit code for "interrupted by SIG": 128+SIG. */
int exit_code_for_signal(int sig);

/* ---- parent/child sync pipe ---------------------------------------- */

struct sync_pipe {
	int rd, wr;
};

void sync_init(struct sync_pipe *p);
/* Send one byte: "I am ready" / "go on". */
void sync_signal(struct sync_pipe *p);
/* Close the writing end (the other side sees EOF). */
void sync_close_write(struct sync_pipe *p);
/* Close the reading end. */
void sync_close_read(struct sync_pipe *p);
/* Child side: block until a byte arrives (true) or EOF (false). */
bool sync_wait(struct sync_pipe *p);
/* Parent side: wait for a byte while watching for signals.
 * Returns 0 for a byte, -1 for EOF (the child died), or the number of
 * the termination signal that arrived first. */
int sync_wait_or_signal(struct sync_pipe *p);

/* ---- clone and wait ----------------------------------------------- */

/* clone(2) FN(ARG) with FLAGS|SIGCHLD on a fresh 1 MiB stack.  The
 * child dies with SIGKILL if the demo dies, so a killed demo never
 * leaves an orphaned namespace behind.  Exits via die() on failure
 * with a message that names the flags. */
pid_t clone_child(int (*fn)(void *), void *arg, int flags,
		  const char *flags_name);

/* Wait for CHILD while watching for SIGINT/SIGTERM/SIGHUP.  Returns the
 * child's exit code (its status, or 128+signal if killed).  If a
 * termination signal arrives first, the child is killed with SIGKILL,
 * reaped, and the returned code is 128+that signal; *INTERRUPTED (if
 * not NULL) is set to the signal number. */
int wait_child(pid_t child, int *interrupted);

/* Turn a wait status into an exit code: status or 128+signal. */
int exit_code_from_status(int status);

#endif /* NSLAB_H */
