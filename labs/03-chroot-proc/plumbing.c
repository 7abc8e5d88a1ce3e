/*
 * plumbing.c - Lab 03's plumbing, not its lesson: the command line, the
 * root filesystem to chroot into (labs/common/rootfs.c), refused if the
 * host has mounts below it already, and counting those mounts.
 */
#include "plumbing.h"
#include "../common/mountinfo.h"
#include "../common/rootfs.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: chroot_proc_demo [OPTION]...\n"
	"Lab 03: chroot into a small root filesystem inside new PID and mount\n"
	"namespaces, find /proc empty, mount proc, and see sh as PID 1.\n\n"
	"      --rootfs DIR         use this root filesystem (it needs /bin/sh; ps helps);\n"
	"                           default: labs/rootfs beside this program's directory,\n"
	"                           which `make` builds with tools/mkrootfs\n"
	"      --hold-before-mount  wait at step 5, chrooted with /proc still empty, and\n"
	"                           print commands to look from a second terminal; Enter,\n"
	"                           Ctrl-C or SIGTERM goes on with steps 6 to 9\n";

void parse_args(int argc, char **argv, struct demo_opts *opts, const char **rootfs,
		bool *hold_before_mount)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "rootfs", required_argument, NULL, 'r' },
						  { "hold-before-mount", no_argument, NULL, 'B' },
						  { 0 } };
	int c;

	demo_begin("chroot_proc_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'r')
			*rootfs = optarg;
		else if (c == 'B')
			*hold_before_mount = true;
		else
			demo_common_option(c, opts);
	}
	demo_check_opts(opts, argv[optind]);
}

int mounts_under(const char *dir)
{
	FILE *f = mountinfo_open("/proc/self/mountinfo");
	struct mount_entry m;
	size_t len = strlen(dir);
	int n = 0;

	while (mountinfo_next(f, &m))
		if (strncmp(m.point, dir, len) == 0 && m.point[len] == '/')
			n++;
	fclose(f);
	return n;
}

void choose_clean_rootfs(const char *option, char dir[PATH_MAX])
{
	int n;

	rootfs_choose(option, dir);
	/* A proc left mounted there by the shell way without --mount would be
	 * copied into the child's mount table: /proc would not be empty. */
	if ((n = mounts_under(dir)) > 0) {
		fprintf(stderr,
			"%s: %d mount(s) below %s already (see: findmnt -l | grep %s);\n"
			"a proc from the shell way without --mount? sudo umount %s/proc\n",
			nslab_prog, n, dir, dir, dir);
		exit(EXIT_RUNTIME);
	}
}
