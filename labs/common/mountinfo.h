/* mountinfo.h - reading /proc/PID/mountinfo, one mount a line: plumbing
 * shared by the labs that look at mounts, not a lesson.  A line reads
 *   36 35 98:0 /mnt1 /mnt/dir rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   ID PARENT DEV ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS
 * (see proc(5)); paths have " ", tab, "\n" and "\\" written as octal. */
#ifndef NSLAB_MOUNTINFO_H
#define NSLAB_MOUNTINFO_H
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct mount_entry {
	dev_t dev;	      /* the filesystem's device, from MAJOR:MINOR */
	char root[PATH_MAX];  /* which directory of its filesystem is mounted */
	char point[PATH_MAX]; /* where */
	char propagation[64]; /* "shared:N", "master:N", ... or "private" */
	char fstype[64];
	char source[256];
	char super[512]; /* the filesystem's options: cgroup v1's controllers */
};

/* The next mount of F, opened on a mountinfo file; false at its end. */
bool mountinfo_next(FILE *f, struct mount_entry *m);

/* Does M's mount point still lead to M?  A mount hidden by a later one on
 * or above its point (an empty tmpfs over /sys/fs/cgroup) stays in the
 * table, but its path now leads to another filesystem.  (It stat()s the
 * point: an autofs point would be mounted by it.) */
bool mountinfo_reachable(const struct mount_entry *m);

/* Opened for reading, or the demo dies saying which file. */
FILE *mountinfo_open(const char *path);
#endif
