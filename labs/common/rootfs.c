/* rootfs.c - choosing the root filesystem; see rootfs.h. */
#include "rootfs.h"
#include "nslab.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Is there a sh in DIR's /bin?  A link counts even if it dangles here:
 * busybox's point to /bin/busybox, which is only right seen from inside. */
static bool has_sh(const char *dir)
{
	char sh[PATH_MAX + 16];
	struct stat st;

	snprintf(sh, sizeof sh, "%s/bin/sh", dir);
	return lstat(sh, &st) == 0;
}

static void given_rootfs(const char *given, char dir[PATH_MAX])
{
	struct stat st;

	if (!*given)
		usage_error("--rootfs needs a directory");
	if (!realpath(given, dir)) /* a very long path is cut short here */
		usage_error("--rootfs '%.100s%s': %s", given, strlen(given) > 100 ? "..." : "",
			    strerror(errno));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		usage_error("--rootfs '%s' is not a directory", dir);
	if (strcmp(dir, "/") == 0)
		usage_error("--rootfs / is the host's root already; give a root filesystem");
	if (!has_sh(dir))
		usage_error("--rootfs '%s' has no /bin/sh (build one with tools/mkrootfs)", dir);
}

void rootfs_choose(const char *given, char dir[PATH_MAX])
{
	char exe[PATH_MAX - 16];
	char mark[PATH_MAX + 16];
	char *cut;
	ssize_t n;
	int up = 0;

	if (given) {
		given_rootfs(given, dir);
		return;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) < 0)
		die(errno, "readlink(\"/proc/self/exe\")");
	exe[n] = '\0';
	/* .../labs/03-chroot-proc/chroot_proc_demo -> .../labs */
	while (up < 2 && (cut = strrchr(exe, '/'))) {
		*cut = '\0';
		up++;
	}
	snprintf(dir, PATH_MAX, "%s/rootfs", exe);
	snprintf(mark, sizeof mark, "%s/.nslab-rootfs", dir);
	if (up < 2 || access(mark, F_OK) != 0 || !has_sh(dir)) {
		fprintf(stderr,
			"%s: no root filesystem in %s: run `make` first (tools/mkrootfs builds it), "
			"or give --rootfs DIR\n",
			nslab_prog, dir);
		exit(EXIT_RUNTIME);
	}
}
