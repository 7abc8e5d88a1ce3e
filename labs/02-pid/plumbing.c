/*
 * plumbing.c - Lab 02's plumbing, not the lesson: the command line and
 * reading /proc files (declared in plumbing.h).
 */
#include "plumbing.h"
#include "../common/args.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static const char usage[] =
	"Usage: pid_demo [OPTION]...\n"
	"Lab 02: start a process in a new PID namespace, where it is PID 1,\n"
	"and look at it from inside and from the host.\n\n"
	"      --mount-proc   inside, mount a fresh /proc in a mount namespace of its own\n"
	"                     (without it, /proc still shows the host's processes)\n"
	"      --nest N       nest N PID namespaces, 1 to 32 (default: 1)\n";

void parse_args(int argc, char **argv, struct demo_opts *opts, bool *mount_proc, int *nest)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "mount-proc", no_argument, NULL, 'm' },
						  { "nest", required_argument, NULL, 'n' },
						  { 0 } };
	int c;

	demo_begin("pid_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'm')
			*mount_proc = true;
		else if (c == 'n')
			*nest = (int)parse_number("--nest", optarg, 1, NEST_MAX);
		else
			demo_common_option(c, opts);
	}
	demo_check_opts(opts, argv[optind]);
}

/* How many processes a /proc shows: its numeric entries (-1: no /proc). */
int count_proc_pids(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			n++;
	closedir(d);
	return n;
}

/* A child of PARENT, found by reading every /proc/N/stat for its parent's
 * PID (field 4, after the command name in parentheses); 0 if none. */
static pid_t find_child_of(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300];
		char buf[512];
		char *p;
		int ppid;
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue; /* it exited while we looked: fine */
		if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == parent)
			found = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return found;
}

/* PID's child's child..., GENERATIONS down (each has one); 0 if none. */
pid_t descendant(pid_t pid, int generations)
{
	while (generations-- > 0 && pid > 0)
		pid = find_child_of(pid);
	return pid;
}
