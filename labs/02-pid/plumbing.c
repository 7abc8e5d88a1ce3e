/*
 * plumbing.c - Lab 02's plumbing, not the lesson: the command line,
 * reading /proc files and the --hold commands (declared in plumbing.h).
 */
#include "plumbing.h"
#include "../common/args.h"
#include "../common/textfile.h"

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

/* PID's child's child..., GENERATIONS down (each has one); 0 if none,
 * or if one of them is gone. */
pid_t descendant(pid_t pid, int generations)
{
	pid_t child;
	int n;

	while (generations-- > 0 && pid > 0) {
		if ((n = proc_children(pid, &child, 1)) < 0 &&
		    access("/proc/thread-self/children", F_OK) != 0)
			die_hint(errno,
				 "the kernel keeps that list only with CONFIG_PROC_CHILDREN "
				 "(Debian's and Ubuntu's kernels have it)",
				 "reading /proc/%d/task/%d/children", (int)pid, (int)pid);
		pid = n == 1 ? child : 0;
	}
	return pid;
}

void hold_commands(pid_t child, pid_t inner, bool mount_proc)
{
	char cmd[3][80];

	snprintf(cmd[0], 80, "sudo grep NSpid /proc/%d/status", (int)inner);
	snprintf(cmd[1], 80, "sudo lsns -t pid -p %d", (int)inner);
	snprintf(cmd[2], 80, "sudo nsenter -t %d -p%s ps -ef", (int)inner, mount_proc ? " -m" : "");
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], NULL });
}
