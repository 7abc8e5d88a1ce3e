/*
 * uts_demo.c - Lab 01: a hostname that changes only inside.
 *
 * The UTS namespace holds two strings: the hostname and the NIS domain
 * name (the "nodename" and "domainname" fields of uname(2)).  A process
 * cloned with CLONE_NEWUTS starts with a copy of its parent's strings;
 * whatever it changes afterwards is visible only to processes in the
 * same namespace.
 *
 * The story:
 *   1. the parent reads the host's hostname;
 *   2. it clones a child into a new UTS namespace;
 *   3. the child sets a new hostname (and domain name) ...
 *   4. ... and reads them back with uname();
 *   5. the parent reads the host's hostname again: unchanged;
 *   6. the parent compares /proc/self/ns/uts with /proc/CHILD/ns/uts:
 *      two different namespaces, by device and inode.
 *
 * The shell equivalent is `sudo unshare --uts bash; hostname new`.
 */
#include "../common/nslab.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The kernel keeps each UTS string in a 65-byte array (__NEW_UTS_LEN
 * is 64 plus the terminating NUL), so 64 bytes is the longest name. */
enum { UTS_NAME_MAX = 64 };

static const char usage[] =
	"Usage: uts_demo [OPTION]...\n"
	"Lab 01: give a child its own UTS namespace and change its hostname,\n"
	"then show that the host's hostname did not change.\n"
	"\n"
	"  -n, --hostname NAME     hostname to set inside (default: nslab-uts)\n"
	"  -d, --domainname NAME   NIS domain name to set inside (default: unchanged)\n";

struct config {
	struct demo_opts o;
	const char *hostname;
	const char *domainname;
	struct sync_pipe start;  /* parent -> child: "narrated, go on"     */
	struct sync_pipe ready;  /* child -> parent: "my names are set"    */
	struct sync_pipe done;   /* parent -> child: "you may exit now"    */
};

static void check_uts_name(const char *what, const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		usage_error("%s must not be empty", what);
	if (len > UTS_NAME_MAX)
		usage_error("%s is %zu bytes; the kernel allows at most %d",
			    what, len, UTS_NAME_MAX);
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		DEMO_COMMON_LONGOPTS,
		{ "hostname", required_argument, NULL, 'n' },
		{ "domainname", required_argument, NULL, 'd' },
		{ 0 }
	};
	int c;

	cfg->hostname = "nslab-uts";
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS "n:d:",
				longopts, NULL)) != -1) {
		if (demo_common_option(c, &cfg->o))
			continue;
		switch (c) {
		case 'n':
			cfg->hostname = optarg;
			break;
		case 'd':
			cfg->domainname = optarg;
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(&cfg->o);
	check_uts_name("--hostname", cfg->hostname);
	if (cfg->domainname)
		check_uts_name("--domainname", cfg->domainname);
}

/* The child: runs inside the new UTS namespace. */
static int child_main(void *arg)
{
	struct config *cfg = arg;
	struct utsname u;

	/* Keep only our own ends of the pipes, so that the parent closing
	 * its end of `done` reaches us as end-of-file. */
	sync_close_write(&cfg->start);
	sync_close_read(&cfg->ready);
	sync_close_write(&cfg->done);

	/* Wait until the parent has said who we are, so the narration
	 * comes out in order. */
	if (!sync_wait(&cfg->start))
		return EXIT_RUNTIME;

	if (sethostname(cfg->hostname, strlen(cfg->hostname)) != 0)
		die(errno, "sethostname(\"%s\")", cfg->hostname);
	step(3, "sethostname(\"%s\") inside the new namespace", cfg->hostname);
	if (cfg->domainname) {
		if (setdomainname(cfg->domainname, strlen(cfg->domainname)) != 0)
			die(errno, "setdomainname(\"%s\")", cfg->domainname);
		note("setdomainname(\"%s\") too", cfg->domainname);
	}

	if (uname(&u) != 0)
		die(errno, "uname()");
	step(4, "uname() inside -> nodename \"%s\", domainname \"%s\"",
	     u.nodename, u.domainname);
	result("inside:  hostname is %s", u.nodename);

	if (cfg->o.shell) {
		const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";

		note("starting %s inside; try `hostname`, then `exit`", sh);
		sync_signal(&cfg->ready);
		execl(sh, sh, (char *)NULL);
		die(errno, "execl(\"%s\")", sh);
	}

	sync_signal(&cfg->ready);
	/* Stay alive (and keep the namespace alive) until told to go. */
	sync_wait(&cfg->done);
	return 0;
}

/* "uts:[4026532245]" plus the device and inode that identify it. */
static void describe_ns(const char *path, char *buf, size_t len,
			struct stat *st)
{
	char link[64];
	ssize_t n;

	if (stat(path, st) != 0)
		die(errno, "stat(\"%s\")", path);
	n = readlink(path, link, sizeof link - 1);
	if (n < 0)
		die(errno, "readlink(\"%s\")", path);
	link[n] = '\0';
	snprintf(buf, len, "%s (dev %lu, inode %lu)", link,
		 (unsigned long)st->st_dev, (unsigned long)st->st_ino);
}

static void compare_namespaces(pid_t child)
{
	char path[64], self[128], other[128];
	struct stat a, b;

	snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)child);
	describe_ns("/proc/self/ns/uts", self, sizeof self, &a);
	describe_ns(path, other, sizeof other, &b);
	step(6, "compare the namespace files:");
	note("/proc/self/ns/uts  -> %s", self);
	note("%-18s -> %s", path, other);
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		fprintf(stderr, "%s: the child is still in the host's UTS namespace\n",
			nslab_prog);
		exit(EXIT_RUNTIME);
	}
	result("namespaces differ: host inode %lu, child inode %lu",
	       (unsigned long)a.st_ino, (unsigned long)b.st_ino);
}

static void show_host_hostname(int n, const char *when)
{
	char name[HOST_NAME_MAX + 1];

	if (gethostname(name, sizeof name) != 0)
		die(errno, "gethostname()");
	step(n, "gethostname() on the host %s -> \"%s\"", when, name);
	if (n > 1)
		result("host:    hostname is %s (unchanged)", name);
}

int main(int argc, char **argv)
{
	struct config cfg = { 0 };
	int code, interrupted = 0;
	pid_t child;

	demo_begin("uts_demo", usage);
	parse_args(argc, argv, &cfg);
	signals_block();

	show_host_hostname(1, "before");

	sync_init(&cfg.start);
	sync_init(&cfg.ready);
	sync_init(&cfg.done);
	child = clone_child(child_main, &cfg, CLONE_NEWUTS, "CLONE_NEWUTS");
	step(2, "clone(CLONE_NEWUTS) -> child %d (inside its own UTS namespace)",
	     (int)child);
	note("the child starts with a copy of the host's names");
	sync_close_read(&cfg.start);
	sync_close_write(&cfg.ready);
	sync_close_read(&cfg.done);
	sync_signal(&cfg.start);

	/* Until the child says its hostname is set, there is nothing to
	 * compare.  EOF means it failed (it has said why). */
	if (sync_wait_or_signal(&cfg.ready) == 0) {
		show_host_hostname(5, "after ");
		compare_namespaces(child);
		write_pidfile(&cfg.o, child);
		if (cfg.o.hold) {
			char lsns[64], nsenter[64], readl[64];
			const char *cmds[] = { lsns, nsenter, readl, NULL };

			snprintf(lsns, sizeof lsns, "lsns -t uts -p %d", (int)child);
			snprintf(nsenter, sizeof nsenter, "nsenter -t %d -u hostname",
				 (int)child);
			snprintf(readl, sizeof readl, "readlink /proc/%d/ns/uts",
				 (int)child);
			hold_until_signal(child, cmds);
		}
		if (cfg.o.shell)
			signals_shell_mode();
	}
	/* Let the child finish (a shell finishes on its own). */
	sync_close_write(&cfg.done);

	code = wait_child(child, &interrupted);
	remove_pidfile(&cfg.o);
	if (interrupted)
		fprintf(stderr, "%s: interrupted by signal %d; the namespace is gone with the child\n",
			nslab_prog, interrupted);
	return code;
}
