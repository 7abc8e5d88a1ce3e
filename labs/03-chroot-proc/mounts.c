/*
 * mounts.c - Lab 03's plumbing, not its lesson: the root filesystem to
 * chroot into (labs/common/rootfs.c), refused if the host has mounts below
 * it already, and counting those mounts.
 */
#include "mounts.h"
#include "../common/mountinfo.h"
#include "../common/rootfs.h"

#include <stdlib.h>
#include <string.h>

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
