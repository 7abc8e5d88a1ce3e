/* mounts.h - Lab 03's plumbing (mounts.c); not the lesson. */
#ifndef CHROOT_MOUNTS_H
#define CHROOT_MOUNTS_H
#include "../common/nslab.h"

#include <limits.h>

/* --rootfs OPTION or labs/rootfs, into DIR: exit 2 if the option cannot
 * serve, 1 if labs/rootfs is not built or has mounts below it already. */
void choose_clean_rootfs(const char *option, char dir[PATH_MAX]);

/* How many of the host's mounts lie below DIR (DIR itself not counted). */
int mounts_under(const char *dir);
#endif
