/* nslab.c - the scaffolding described in nslab.h; not a lesson. */
#include "nslab.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *nslab_prog = "nslab";
volatile sig_atomic_t nslab_interrupted;
static const char *usage_text;
static bool quiet;
static const char *pidfile_written; /* for die() to remove */
void (*nslab_cleanup)(void);	    /* a cloned child drops it: child_begin() */

static const char *const hints[] = {
	/* for the errors students meet most */
	[EPERM] = "needs root (CAP_SYS_ADMIN) — run with sudo",
	[EACCES] = "permission denied — run with sudo",
	[ENOENT] = "no such file or directory — check the path",
	[ENOTDIR] = "a part of the path is not a directory — check the path",
	[EEXIST] =
		"that name already exists — remove it (sudo tools/nslab-clean --yes) or choose another",
	[EBUSY] = "busy — see \"What can go wrong\" on the lab's page",
	[EINVAL] = "the kernel rejected an argument — check the values given",
	[ENOMEM] = "out of memory (or over a cgroup limit)",
	[ENOSPC] = "a kernel limit was reached (too many namespaces or cgroups?)",
	[ENOSYS] = "this kernel lacks the feature — see walkthrough/00-setup.md",
};

/* Root refused: "run with sudo" would be no help if this root is the root
 * of a user namespace (its uid_map is not the whole identity map). */
static bool root_of_a_user_namespace(void)
{
	char map[128] = "";
	FILE *f = fopen("/proc/self/uid_map", "re");

	if (f && !fgets(map, sizeof map, f))
		map[0] = '\0';
	if (f)
		fclose(f);
	return geteuid() == 0 && map[0] && !strstr(map, "4294967295");
}

static void warn_with(int err, const char *hint, const char *call_fmt, va_list ap)
{
	const char *name = strerrorname_np(err);

	if (nslab_interrupted) /* then the child is gone on purpose: no news */
		return;
	if (!hint && err == EPERM && root_of_a_user_namespace())
		hint = "refused even to root here: this is a user namespace, whose root is not "
		       "the host's (sudo from inside will not help)";
	else if (!hint && (size_t)err < sizeof hints / sizeof *hints)
		hint = hints[err];
	fflush(stdout);
	fprintf(stderr, "%s: ", nslab_prog);
	vfprintf(stderr, call_fmt, ap); /* the call that failed, e.g. "mount(proc)" */
	fprintf(stderr, " failed: %s (%s)", name ? name : "errno", strerror(err));
	fprintf(stderr, hint ? ": %s\n" : "\n", hint);
}

void warn_errno(int err, const char *call_fmt, ...)
{
	va_list ap;

	va_start(ap, call_fmt);
	warn_with(err, NULL, call_fmt, ap);
	va_end(ap);
}

noreturn void die_hint(int err, const char *hint, const char *call_fmt, ...)
{
	va_list ap;

	va_start(ap, call_fmt);
	warn_with(err, hint, call_fmt, ap);
	va_end(ap);
	die_exit();
}

noreturn void die_exit(void)
{
	void (*cleanup)(void) = nslab_cleanup;
	nslab_cleanup = NULL; /* a cleanup that dies must not run twice */
	if (cleanup)
		cleanup();
	if (pidfile_written) /* a pidfile must not outlive the process it names */
		unlink(pidfile_written);
	exit(nslab_interrupted ? demo_exit_code(0) : EXIT_RUNTIME);
}

noreturn void usage_error(const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;

	fflush(stdout);
	if (fmt) { /* NULL: getopt has already said what was wrong */
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		fprintf(stderr, "%s: %s\n", nslab_prog, msg);
	}
	fprintf(stderr, "%.*s", (int)strcspn(usage_text, "\n") + 1, usage_text);
	fprintf(stderr, "Try '%s --help' for more information.\n", nslab_prog);
	exit(EXIT_USAGE);
}

int claim_failed(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* the narration that led here comes first */
	fprintf(stderr, "%s: ", nslab_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

static int visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int list_dir(const char *dir, char *list, size_t len)
{
	struct dirent **names;
	size_t used = 0;
	int n = scandir(dir, &names, visible, alphasort);

	if (n < 0)
		return -1;
	snprintf(list, len, "(empty)");
	for (int i = 0; i < n; i++) {
		if (used < len)
			used += snprintf(list + used, len - used, "%s%s", i ? " " : "",
					 names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return n;
}

bool has_word(const char *list, const char *word, char sep)
{
	size_t len = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, sep) ? strchr(p, sep) + 1 : NULL)
		if (strncmp(p, word, len) == 0 &&
		    (p[len] == sep || p[len] == '\0' || p[len] == '\n'))
			return true;
	return false;
}

void narrate(int n, const char *fmt, ...)
{
	const char *nc = getenv("NO_COLOR"); /* https://no-color.org */
	bool colour = isatty(STDOUT_FILENO) && !(nc && *nc);
	char prefix[16] = "    ";
	va_list ap;

	if (quiet && n >= 0)
		return;
	if (n != 0)
		snprintf(prefix, sizeof prefix, n > 0 ? "[%d] " : "==> ", n);
	if (colour) /* bold cyan for a step, bold green for a result */
		printf("\033[%sm%s\033[0m", n > 0 ? "1;36" : n < 0 ? "1;32" : "0", prefix);
	else
		fputs(prefix, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout); /* else a clone()d child would print our buffer again */
}

static void on_signal(int sig)
{
	int saved = errno; /* the code we interrupted may be about to read it */

	if (!nslab_interrupted)
		nslab_interrupted = sig;
	kill_watched_child(); /* through its pidfd: a reaped child's PID is never hit */
	errno = saved;
}

void demo_begin(const char *prog, const char *usage)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: EINTR */

	nslab_prog = prog;
	usage_text = usage;
	signal(SIGPIPE, SIG_IGN); /* a child gone early: EPIPE, not death */
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		die(errno, "sigaction()");
}

bool demo_common_option(int c, struct demo_opts *o)
{
	switch (c) {
	case 'h':
		printf("%s\nCommon options (every lab):\n"
		       "  -h, --help          show this help and exit\n"
		       "  -q, --quiet         print only the result lines (==>)\n"
		       "      --hold          once set up, keep what the lab made (namespace, cgroup)\n"
		       "                      until Ctrl-C, SIGTERM or Enter, and print commands to\n"
		       "                      inspect it\n"
		       "      --pidfile FILE  write the child's PID, as the host numbers it, to FILE\n"
		       "      --shell         start an interactive shell inside instead\n"
		       "\nExit status: the child's status (128+N if killed by signal N),\n"
		       "1 on a runtime error, 2 on a usage error.\n",
		       usage_text);
		exit(0);
	case 'q':
		o->quiet = quiet = true;
		return true;
	case 'H':
		o->hold = true;
		return true;
	case 'S':
		o->shell = true;
		return true;
	case 'P':
		if (!*optarg)
			usage_error("--pidfile needs a file name");
		o->pidfile = optarg;
		return true;
	case '?':
		usage_error(NULL);
	default:
		return false;
	}
}

void demo_check_opts(const struct demo_opts *o, const char *extra)
{
	char dir[PATH_MAX];

	if (extra)
		usage_error("unexpected argument '%s'", extra);
	if (o->hold && o->shell)
		usage_error("--hold and --shell do not go together: the shell already holds");
	/* A --pidfile that cannot be written: say so before anything exists. */
	snprintf(dir, sizeof dir, "%s", o->pidfile ? o->pidfile : "");
	if (o->pidfile && access(dirname(dir), W_OK) != 0)
		usage_error("--pidfile %s: directory %s %s", o->pidfile, dir,
			    errno == EACCES ? "is not writable" : "does not exist");
}

void write_pidfile(const struct demo_opts *o, pid_t pid)
{
	/* A temporary name, then rename(): a reader never sees half a number. */
	char tmp[PATH_MAX];
	FILE *f;

	if (!o->pidfile)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp%d", o->pidfile, (int)getpid());
	if (!(f = fopen(tmp, "w")))
		die(errno, "writing --pidfile %s", o->pidfile);
	if (fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0 || rename(tmp, o->pidfile) != 0) {
		int err = errno;

		unlink(tmp); /* a failed write leaves no half-made file behind */
		die(err, "writing --pidfile %s", o->pidfile);
	}
	pidfile_written = o->pidfile;
}

void remove_pidfile(const struct demo_opts *o)
{
	if (o->pidfile && unlink(o->pidfile) != 0 && errno != ENOENT)
		warn_errno(errno, "unlink(\"%s\")", o->pidfile);
}

void shell_owns_terminal(void)
{
	signal(SIGINT, SIG_IGN); /* as system(3) does */
	signal(SIGQUIT, SIG_IGN);
}

int demo_exit_code(int wstatus)
{
	if (nslab_interrupted) {
		fprintf(stderr, "%s: interrupted by SIG%s\n", nslab_prog,
			sigabbrev_np(nslab_interrupted));
		return 128 + nslab_interrupted;
	}
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}
