/* rootfs.h - the root filesystem Labs 03, 06 and 11 enter: plumbing, not a
 * lesson.  `make` builds labs/rootfs with tools/mkrootfs, which marks it
 * finished with a file .nslab-rootfs. */
#ifndef NSLAB_ROOTFS_H
#define NSLAB_ROOTFS_H
#include <limits.h>

/* GIVEN (--rootfs, resolved; a usage error if it cannot serve), or, if
 * NULL, labs/rootfs found from this program's own path - not from the
 * current directory (exit 1 if it is not built).  The result in DIR. */
void rootfs_choose(const char *given, char dir[PATH_MAX]);
#endif
