/*
 * nslab.c - the shared plumbing described in nslab.h.
 *
 * Nothing here is a lesson in itself; it exists so that each lab's
 * main() can read as the lesson.
 */
#include "nslab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *nslab_prog = "nslab";

static const char *usage_text;   /* the running lab's --help text      */
static bool quiet;               /* --quiet                            */
static int colour = -1;          /* -1 undecided, 0 off, 1 on          */

static void (*die_hook)(void);   /* a lab's cleanup for error paths   */
static pid_t die_hook_owner;     /* only the process that set it runs it */

static int sigfd = -1;           /* signalfd for INT, TERM, HUP, CHLD  */
static sigset_t saved_mask;      /* the mask before signals_block()    */
static int term_seen;            /* a termination signal already read  */
static bool shell_mode;          /* SIGINT belongs to an interactive shell */

/* ---- errors -------------------------------------------------------- */

/* A hint for the errno values students meet most often. */
static const char *hint_for(int err)
{
	switch (err) {
	case EPERM:
		return "needs root (CAP_SYS_ADMIN) — run with sudo";
	case EACCES:
		return "permission denied — run with sudo";
	case ENOENT:
		return "no such file or directory — check the path";
	case EEXIST:
		return "that name already exists — remove it (sudo tools/nslab-clean --yes) or choose another";
	case EBUSY:
		return "still in use — is another run holding it?";
	case EINVAL:
		return "the kernel rejected an argument — check the values given";
	case ENOMEM:
		return "out of memory (or over a cgroup limit)";
	case ENOSPC:
		return "a kernel limit was reached (too many namespaces or cgroups?)";
	case ENOSYS:
	case EOPNOTSUPP:
		return "this kernel lacks the feature — see walkthrough/00-setup.md";
	case ENOTDIR:
		return "not a directory — check the path";
	default:
		return NULL;
	}
}

static void vreport(int err, const char *call_fmt, va_list ap)
{
	const char *name = strerrorname_np(err);
	const char *hint = hint_for(err);

	fflush(stdout);
	fprintf(stderr, "%s: ", nslab_prog);
	vfprintf(stderr, call_fmt, ap);
	fprintf(stderr, " failed: %s (%s)", name ? name : "?", strerror(err));
	if (hint)
		fprintf(stderr, ": %s", hint);
	fputc('\n', stderr);
}

void on_die(void (*fn)(void))
{
	die_hook = fn;
	die_hook_owner = getpid();
}

noreturn void die(int err, const char *call_fmt, ...)
{
	va_list ap;

	va_start(ap, call_fmt);
	vreport(err, call_fmt, ap);
	va_end(ap);
	/* A cloned child inherits the hook; only its owner may run it, or
	 * a child's failure would tear down what the parent still uses. */
	if (die_hook && getpid() == die_hook_owner) {
		void (*fn)(void) = die_hook;

		die_hook = NULL;
		fn();
	}
	exit(EXIT_RUNTIME);
}

void warn_errno(int err, const char *call_fmt, ...)
{
	va_list ap;

	va_start(ap, call_fmt);
	vreport(err, call_fmt, ap);
	va_end(ap);
}

static const char common_help[] =
	"\nCommon options (every lab):\n"
	"  -h, --help          show this help and exit\n"
	"  -q, --quiet         print only the result lines (==>)\n"
	"      --hold          once set up, keep the namespace alive until Ctrl-C,\n"
	"                      SIGTERM or Enter, and print commands to inspect it\n"
	"      --pidfile FILE  write the namespaced process's host PID to FILE\n"
	"      --shell         start an interactive shell inside instead\n"
	"\nExit status: the child's status (128+N if killed by signal N),\n"
	"1 on a runtime error, 2 on a usage error.\n";

static void print_usage(FILE *f)
{
	if (usage_text)
		fputs(usage_text, f);
	fputs(common_help, f);
}

noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (fmt) {
		fprintf(stderr, "%s: ", nslab_prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	/* The synopsis line, and where to find the rest. */
	if (usage_text)
		fprintf(stderr, "%.*s", (int)(strcspn(usage_text, "\n") + 1),
			usage_text);
	fprintf(stderr, "Try '%s --help' for more information.\n", nslab_prog);
	exit(EXIT_USAGE);
}

/* ---- narration ----------------------------------------------------- */

/* Colour only for a person at a terminal who has not opted out
 * (https://no-color.org: any non-empty NO_COLOR disables it). */
static bool use_colour(void)
{
	if (colour < 0) {
		const char *nc = getenv("NO_COLOR");

		colour = isatty(STDOUT_FILENO) && !(nc && *nc);
	}
	return colour;
}

static void vline(const char *prefix, const char *on, const char *fmt,
		  va_list ap)
{
	if (use_colour())
		printf("\033[%sm%s\033[0m", on, prefix);
	else
		fputs(prefix, stdout);
	vprintf(fmt, ap);
	putchar('\n');
	/* Flush every line: a child made by clone() gets a copy of this
	 * buffer, and unflushed text would be printed twice. */
	fflush(stdout);
}

void step(int n, const char *fmt, ...)
{
	char prefix[16];
	va_list ap;

	if (quiet)
		return;
	snprintf(prefix, sizeof prefix, "[%d] ", n);
	va_start(ap, fmt);
	vline(prefix, "1;36", fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vline("    ", "0", fmt, ap);
	va_end(ap);
}

void result(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("==> ", "1;32", fmt, ap);
	va_end(ap);
}

/* ---- the common demo interface -------------------------------------- */

void demo_begin(const char *prog, const char *usage)
{
	nslab_prog = prog;
	usage_text = usage;
}

bool demo_common_option(int c, struct demo_opts *o)
{
	switch (c) {
	case 'h':
		print_usage(stdout);
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
		/* getopt has already said which option was wrong. */
		usage_error(NULL);
	default:
		return false;
	}
}

void demo_check_opts(const struct demo_opts *o)
{
	if (o->hold && o->shell)
		usage_error("--hold and --shell do not go together: the shell already holds");
	if (o->pidfile) {
		/* A pidfile that cannot be written is a mistake on the command
		 * line: say so now, before any namespace or resource exists. */
		char dir[4096];
		const char *slash = strrchr(o->pidfile, '/');
		struct stat st;

		if (!slash)
			snprintf(dir, sizeof dir, ".");
		else
			snprintf(dir, sizeof dir, "%.*s", (int)(slash - o->pidfile) ?
				 (int)(slash - o->pidfile) : 1, o->pidfile);
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			usage_error("--pidfile %s: directory %s does not exist", o->pidfile, dir);
		if (access(dir, W_OK) != 0)
			usage_error("--pidfile %s: directory %s is not writable", o->pidfile, dir);
	}
}

void write_pidfile(const struct demo_opts *o, pid_t pid)
{
	char tmp[4096];
	FILE *f;

	if (!o->pidfile)
		return;
	if (snprintf(tmp, sizeof tmp, "%s.tmp%d", o->pidfile, (int)getpid()) >=
	    (int)sizeof tmp)
		die(ENAMETOOLONG, "writing --pidfile %s", o->pidfile);
	f = fopen(tmp, "w");
	if (!f)
		die(errno, "fopen(\"%s\")", tmp);
	fprintf(f, "%d\n", (int)pid);
	if (fclose(f) != 0)
		die(errno, "fclose(\"%s\")", tmp);
	if (rename(tmp, o->pidfile) != 0)
		die(errno, "rename(\"%s\", \"%s\")", tmp, o->pidfile);
}

void remove_pidfile(const struct demo_opts *o)
{
	if (o->pidfile && unlink(o->pidfile) != 0 && errno != ENOENT)
		warn_errno(errno, "unlink(\"%s\")", o->pidfile);
}

/* ---- signals ------------------------------------------------------- */

void signals_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &saved_mask) != 0)
		die(errno, "sigprocmask(SIG_BLOCK)");
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		die(errno, "signalfd()");
}

void signals_restore(void)
{
	if (sigfd >= 0) {
		close(sigfd);
		sigfd = -1;
	}
	if (sigprocmask(SIG_SETMASK, &saved_mask, NULL) != 0)
		die(errno, "sigprocmask(SIG_SETMASK)");
}

void signals_shell_mode(void)
{
	shell_mode = true;
	/* SIGQUIT is not routed to the signalfd, so ignore it outright. */
	signal(SIGQUIT, SIG_IGN);
}

/* Read every queued signal; remember a termination signal.  Returns
 * true if at least one SIGCHLD was among them. */
static bool drain_signals(void)
{
	struct signalfd_siginfo si;
	bool chld = false;

	while (sigfd >= 0 && read(sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			chld = true;
		else if (shell_mode && si.ssi_signo == SIGINT)
			continue; /* Ctrl-C was meant for the shell */
		else if (!term_seen)
			term_seen = (int)si.ssi_signo;
	}
	return chld;
}

int signal_pending_term(void)
{
	drain_signals();
	return term_seen;
}

int exit_code_for_signal(int sig)
{
	return 128 + sig;
}

/* Wait until FD (may be -1) is readable or a signal arrives.  Returns
 * 1 if FD is readable, 0 otherwise (check term_seen / SIGCHLD). */
static int wait_fd_or_signal(int fd, short events, bool *chld)
{
	struct pollfd p[2] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = fd, .events = events },
	};

	for (;;) {
		*chld = drain_signals();
		if (term_seen || *chld)
			return 0;
		if (poll(p, fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die(errno, "poll()");
		}
		if (fd >= 0 && p[1].revents)
			return 1;
	}
}

/* ---- parent/child sync pipe ---------------------------------------- */

void sync_init(struct sync_pipe *p)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	p->rd = fds[0];
	p->wr = fds[1];
}

void sync_signal(struct sync_pipe *p)
{
	ssize_t n;

	do
		n = write(p->wr, "x", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die(errno, "write(sync pipe)");
}

void sync_close_write(struct sync_pipe *p)
{
	if (p->wr >= 0)
		close(p->wr);
	p->wr = -1;
}

void sync_close_read(struct sync_pipe *p)
{
	if (p->rd >= 0)
		close(p->rd);
	p->rd = -1;
}

bool sync_wait(struct sync_pipe *p)
{
	char c;
	ssize_t n;

	do
		n = read(p->rd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1;
}

int sync_wait_or_signal(struct sync_pipe *p)
{
	bool chld;

	for (;;) {
		if (wait_fd_or_signal(p->rd, POLLIN, &chld))
			return sync_wait(p) ? 0 : -1;
		if (term_seen)
			return term_seen;
		/* A SIGCHLD alone: the pipe will show EOF if it was ours. */
	}
}

/* ---- clone and wait ----------------------------------------------- */

enum { CHILD_STACK_SIZE = 1024 * 1024 };

struct trampoline {
	int (*fn)(void *);
	void *arg;
};

/* Runs first in every cloned child: tie its life to the parent's and
 * give it ordinary signal handling back. */
static int child_trampoline(void *p)
{
	struct trampoline *t = p;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		die(errno, "prctl(PR_SET_PDEATHSIG)");
	signals_restore();
	die_hook = NULL;
	return t->fn(t->arg);
}

pid_t clone_child(int (*fn)(void *), void *arg, int flags,
		  const char *flags_name)
{
	static struct trampoline t;
	char *stack;
	pid_t pid;

	/* The child runs on its own stack; the stack grows down, so clone()
	 * is handed the top.  Without CLONE_VM the child gets its own copy
	 * of this mapping, and the parent's copy is simply never used. */
	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		die(errno, "mmap(child stack)");
	t.fn = fn;
	t.arg = arg;
	fflush(NULL);
	pid = clone(child_trampoline, stack + CHILD_STACK_SIZE,
		    flags | SIGCHLD, &t);
	if (pid < 0)
		die(errno, "clone(%s)", flags_name);
	if (munmap(stack, CHILD_STACK_SIZE) != 0)
		die(errno, "munmap(child stack)");
	return pid;
}

int exit_code_from_status(int status)
{
	if (WIFSIGNALED(status))
		return exit_code_for_signal(WTERMSIG(status));
	return WEXITSTATUS(status);
}

int wait_child(pid_t child, int *interrupted)
{
	int status;
	bool chld;
	pid_t r;

	for (;;) {
		r = waitpid(child, &status, WNOHANG);
		if (r == child)
			return exit_code_from_status(status);
		if (r < 0 && errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
		wait_fd_or_signal(-1, 0, &chld);
		if (term_seen) {
			/* Ctrl-C or SIGTERM: end the child, then let the
			 * caller clean up whatever it created. */
			if (interrupted)
				*interrupted = term_seen;
			kill(child, SIGKILL);
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			return exit_code_for_signal(term_seen);
		}
	}
}

void hold_until_signal(pid_t child, const char *const commands[])
{
	bool tty = isatty(STDIN_FILENO);
	siginfo_t si;
	bool chld;

	/* This is printed even with --quiet: it is the point of --hold. */
	printf("Holding. From a second terminal, try:\n");
	for (int i = 0; commands && commands[i]; i++)
		printf("    %s\n", commands[i]);
	printf("Press Ctrl-C%s to end and clean up.\n", tty ? " or Enter" : "");
	fflush(stdout);

	for (;;) {
		if (wait_fd_or_signal(tty ? STDIN_FILENO : -1, POLLIN, &chld)) {
			char buf[256];

			/* Enter (or EOF on the terminal) ends the hold. */
			if (read(STDIN_FILENO, buf, sizeof buf) >= 0)
				return;
		}
		if (term_seen) {
			/* The signal was the expected way to end the hold,
			 * not an interruption: forget it. */
			term_seen = 0;
			return;
		}
		/* The child ended on its own: nothing left to hold. */
		if (chld && child > 0) {
			si.si_pid = 0;
			if (waitid(P_PID, (id_t)child, &si,
				   WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == child)
				return;
		}
	}
}
