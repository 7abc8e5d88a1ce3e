/* plumbing.h - Lab 03's plumbing (plumbing.c); not the lesson. */
#ifndef CHROOT_PLUMBING_H
#define CHROOT_PLUMBING_H
#include "../common/nslab.h"

#include <limits.h>

/* --rootfs DIR into *ROOTFS, --hold-before-mount, and the common options;
 * a wrong one is a usage error (exit 2). */
void parse_args(int argc, char **argv, struct demo_opts *opts, const char **rootfs,
		bool *hold_before_mount);

/* --rootfs OPTION or labs/rootfs, into DIR: exit 2 if the option cannot
 * serve, 1 if labs/rootfs is not built or has mounts below it already. */
void choose_clean_rootfs(const char *option, char dir[PATH_MAX]);

/* How many of the host's mounts lie below DIR (DIR itself not counted). */
int mounts_under(const char *dir);
#endif
