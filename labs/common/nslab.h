/* nslab.h - the scaffolding every lab shares; a student may skip it.  The
 * calls a lab teaches (clone, waitpid, the sync pipe, mount...) are in the
 * lab's own file.  Ctrl-C or SIGTERM must not skip a lab's cleanup: the
 * handler records the signal and SIGKILLs the lab's child (watch_child), so
 * the lab's own waitpid() or read() returns, the lab cleans up as on any
 * other path, and demo_exit_code() makes it 128+signal. */
#ifndef NSLAB_H
#define NSLAB_H
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>
enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
extern const char *nslab_prog;
extern volatile sig_atomic_t nslab_interrupted; /* SIGINT, SIGTERM, SIGHUP or 0 */

/* die(errno, "call(%s)", arg): "prog: call(arg) failed: ENAME (text): hint",
 * the on_die() cleanup, exit 1 (after a signal: no message, 128+signal). */
#define die(...) (warn_errno(__VA_ARGS__), die_exit())
void warn_errno(int err, const char *call_fmt, ...) PRINTF(2, 3);
noreturn void die_exit(void);
extern void (*nslab_cleanup)(void);
#define on_die(cleanup) (nslab_cleanup = (cleanup))
noreturn void usage_error(const char *fmt, ...) PRINTF(1, 2); /* exit 2 */

/* Narration: "[N] step" and "    note" (hidden by --quiet), "==> result". */
void narrate(int n, const char *fmt, ...) PRINTF(2, 3);
#define step(n, ...) narrate((n), __VA_ARGS__)
#define note(...) narrate(0, __VA_ARGS__)
#define result(...) narrate(-1, __VA_ARGS__)

/* --help --quiet --hold --pidfile --shell, which every demo takes. */
struct demo_opts {
	bool quiet, hold, shell;
	const char *pidfile;
};
#define DEMO_COMMON_SHORTOPTS "hq"
#define DEMO_COMMON_LONGOPTS                                              \
	{ "help", no_argument, NULL, 'h' }, { "quiet", no_argument, NULL, 'q' }, \
	{ "hold", no_argument, NULL, 'H' }, { "shell", no_argument, NULL, 'S' }, \
	{ "pidfile", required_argument, NULL, 'P' }
void demo_begin(const char *prog, const char *usage); /* and the handler */
bool demo_common_option(int c, struct demo_opts *o); /* false: the lab's own */
void demo_check_opts(const struct demo_opts *o);     /* before any setup */
void write_pidfile(const struct demo_opts *o, pid_t pid);
void remove_pidfile(const struct demo_opts *o);
/* A child is held by a pidfd (Linux 5.3), never by its PID alone: once a
 * child is reaped, the kernel may give its PID to any new process, but a
 * pidfd names one process for as long as it is open, and a signal sent
 * through it to a process that has ended fails (ESRCH) instead of reaching
 * another.  So the demo never signals a process that is not its own. */
void watch_child(pid_t child); /* a signal now SIGKILLs CHILD (0: none) */
void end_child(void); /* SIGKILL the watched child, reap it unless reaped, let go */
int signal_child(int sig);            /* to the watched child, by its pidfd */
int pidfd_for(pid_t child);           /* -1 and errno if it cannot be had */
int pidfd_signal(int pidfd, int sig); /* 0, or -1 and errno (ESRCH: ended) */
int pidfd_end(int *pidfd, int sig);   /* signal, reap, close: wait status */
void child_begin(void);         /* in a cloned child: die with the demo */
void shell_owns_terminal(void); /* Ctrl-C is an interactive shell's now */
/* Print COMMANDS to try from a second terminal; wait for Enter, a signal
 * (the expected end, not an interruption) or CHILD's exit (0: none). */
void hold(pid_t child, const char *const commands[]);
/* 128+N after signal N (said on stderr); else the waitpid() status as an
 * exit code: the child's own, or 128+N if signal N killed it. */
int demo_exit_code(int wstatus);
#endif
