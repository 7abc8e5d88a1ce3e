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
#include <stddef.h>
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
/* die() with the lab's own HINT instead of the usual one for ERR. */
noreturn void die_hint(int err, const char *hint, const char *call_fmt, ...) PRINTF(3, 4);
extern void (*nslab_cleanup)(void);
#define on_die(cleanup) (nslab_cleanup = (cleanup))
noreturn void usage_error(const char *fmt, ...) PRINTF(1, 2); /* exit 2 */
/* An effect the lab checks did not show: "prog: MESSAGE" on stderr, and
 * EXIT_RUNTIME, for the lab to return once it has cleaned up. */
int claim_failed(const char *fmt, ...) PRINTF(1, 2);

/* The names in DIR, sorted, dot files left out, into LIST ("(empty)" if
 * none): how many, or -1 and errno. */
int list_dir(const char *dir, char *list, size_t len);

/* Is WORD one of the words of LIST, separated by SEP ("a,b" or "a b")? */
bool has_word(const char *list, const char *word, char sep);

/* Narration: "[N] step" and "    note" (hidden by --quiet), "==> result". */
void narrate(int n, const char *fmt, ...) PRINTF(2, 3);
#define step(n, ...) narrate((n), __VA_ARGS__)
#define note(...) narrate(0, __VA_ARGS__)
#define result(...) narrate(-1, __VA_ARGS__)

/* --help --quiet --hold --pidfile --shell, which every demo takes. */
struct demo_opts {
	bool quiet;
	bool hold;
	bool shell;
	const char *pidfile;
};
#define DEMO_COMMON_SHORTOPTS "hq"
#define DEMO_COMMON_LONGOPTS                                                             \
	{ "help", no_argument, NULL, 'h' }, { "quiet", no_argument, NULL, 'q' },         \
		{ "hold", no_argument, NULL, 'H' }, { "shell", no_argument, NULL, 'S' }, \
	{                                                                                \
		"pidfile", required_argument, NULL, 'P'                                  \
	}
void demo_begin(const char *prog, const char *usage); /* and the handler */
bool demo_common_option(int c, struct demo_opts *o);  /* false: the lab's own */
/* Before any setup: the options agree, and EXTRA, the first argument after
 * them (argv[optind]; NULL if there is none), is not there. */
void demo_check_opts(const struct demo_opts *o, const char *extra);
void write_pidfile(const struct demo_opts *o, pid_t pid);
void remove_pidfile(const struct demo_opts *o);
void shell_owns_terminal(void); /* Ctrl-C is an interactive shell's now */
/* 128+N after signal N (said on stderr); else the waitpid() status as an
 * exit code: the child's own, or 128+N if signal N killed it. */
int demo_exit_code(int wstatus);
#include "child.h"
#endif
