/*
 * rootfs.c - Lab 03's plumbing, not its lesson: which root filesystem to
 * chroot into, checked before anything is set up, and the host's mounts
 * below it.
 */
#include "../common/nslab.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Does DIR have a /bin/sh?  Inside a busybox rootfs it is a link to
 * /bin/busybox, which is only valid seen from inside: a link counts too
 * (as for tools/mkrootfs). */
static bool has_sh(const char *dir)
{
	char sh[PATH_MAX + 8];
	struct stat st;

	snprintf(sh, sizeof sh, "%s/bin/sh", dir);
	return access(sh, X_OK) == 0 || (lstat(sh, &st) == 0 && S_ISLNK(st.st_mode));
}

/* Cut PATH at its last "/"; false if it has none. */
static bool cut_last(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash)
		*slash = '\0';
	return slash != NULL;
}

/* --rootfs DIR: a usage error (exit 2) unless it is a directory with a
 * /bin/sh, other than "/". */
static void check_option(const char *option, char dir[PATH_MAX])
{
	struct stat st;

	if (!*option)
		usage_error("--rootfs needs a directory");
	if (!realpath(option, dir)) /* (a very long path is cut short) */
		usage_error("--rootfs '%.200s%s': %s", option, strlen(option) > 200 ? "..." : "",
			    strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		usage_error("--rootfs '%s' is not a directory", dir);
	if (strcmp(dir, "/") == 0)
		usage_error("--rootfs / would change nothing; give a separate rootfs");
	if (!has_sh(dir))
		usage_error("--rootfs '%s' has no /bin/sh (build one with tools/mkrootfs)", dir);
}

/* The default: labs/rootfs, found from this program's own path (the
 * program's directory, then ../rootfs), so it works from any directory.
 * `make` builds it and marks it finished with .nslab-rootfs. */
static void find_default(char dir[PATH_MAX])
{
	char marker[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", dir, PATH_MAX);

	if (n < 0 || n >= PATH_MAX)
		die(n < 0 ? errno : ENAMETOOLONG, "readlink(\"/proc/self/exe\")");
	dir[n] = '\0';
	/* .../labs/03-chroot-proc/chroot_proc_demo -> .../labs */
	if (!cut_last(dir) || !cut_last(dir) || strlen(dir) + sizeof "/rootfs" > PATH_MAX) {
		fprintf(stderr,
			"%s: cannot find labs/rootfs from this program's path; "
			"give --rootfs DIR\n",
			nslab_prog);
		exit(EXIT_RUNTIME);
	}
	strcat(dir, "/rootfs");
	snprintf(marker, sizeof marker, "%s/.nslab-rootfs", dir);
	if (access(marker, F_OK) != 0 || !has_sh(dir)) {
		fprintf(stderr,
			"%s: no root filesystem in %s: run `make` first (it builds one "
			"with tools/mkrootfs), or give --rootfs DIR\n",
			nslab_prog, dir);
		exit(EXIT_RUNTIME);
	}
}

/* How many of the host's mounts lie below DIR (DIR itself not counted). */
int mounts_under(const char *dir)
{
	char *line = NULL, mnt[PATH_MAX];
	size_t len = strlen(dir), size = 0;
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		die(errno, "fopen(\"/proc/self/mountinfo\")");
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field. */
	while (getline(&line, &size, f) > 0)
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    strncmp(mnt, dir, len) == 0 && mnt[len] == '/')
			n++;
	free(line);
	fclose(f);
	return n;
}

void choose_rootfs(const char *option, char dir[PATH_MAX])
{
	int n;

	if (option)
		check_option(option, dir);
	else
		find_default(dir);
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
