/*
 * nsinfo.c - see namespaces, the way lsns(8) does, in a page of C.
 *
 *   nsinfo [-t TYPE]     list every namespace: type, id, number of
 *                        processes in it, the lowest PID and its command
 *   nsinfo PID           compare PID's namespaces with our own, type by type
 *
 * Everything comes from /proc/PID/ns/: one symbolic link per namespace
 * type, such as "uts:[4026531838]".  Two processes share a namespace
 * exactly when stat() gives the same device and inode for their links;
 * the inode is the id that lsns prints in its NS column.
 *
 * Processes come and go while we read /proc.  A process that vanished
 * (ENOENT, ESRCH) or whose links we may not read (EACCES: not root) is
 * simply skipped, as lsns does.
 */
#include "../labs/common/nstypes.h"
#include "../labs/common/textfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

struct ns {
	int type; /* index into ns_types[]                  */
	dev_t dev;
	ino_t ino;
	int nprocs;
	pid_t lowest; /* the lowest PID seen in it            */
};

static struct ns *nss;
static size_t nns; /* in use */
static size_t cap; /* allocated */

static const char usage[] =
	"Usage: nsinfo [-t TYPE]     list namespaces, like lsns\n"
	"       nsinfo PID           compare PID's namespaces with this process's\n"
	"TYPE is one of cgroup, ipc, mnt, net, pid, time, user, uts.\n"
	"Run as root to see every process (like lsns, a normal user sees only\n"
	"their own).  Exit status: 0, 1 on a runtime error, 2 on a usage error.\n";

/* The types lsns knows, in its order (labs/common/nstypes.c). */
static int type_index(const char *name)
{
	const struct ns_type *t = ns_type_named(name);

	return t ? (int)(t - ns_types) : -1;
}

static void record(int type, const struct stat *st, pid_t pid)
{
	for (size_t i = 0; i < nns; i++) {
		struct ns *n = &nss[i];

		if (n->type == type && n->dev == st->st_dev && n->ino == st->st_ino) {
			n->nprocs++;
			if (pid < n->lowest)
				n->lowest = pid;
			return;
		}
	}
	if (nns == cap) {
		size_t ncap = cap ? 2 * cap : 64;
		struct ns *p = realloc(nss, ncap * sizeof *p);

		if (!p) {
			perror("nsinfo: realloc");
			exit(1);
		}
		nss = p;
		cap = ncap;
	}
	nss[nns++] = (struct ns){ type, st->st_dev, st->st_ino, 1, pid };
}

/* The command line of PID, arguments joined by spaces (or its comm in
 * brackets for kernel threads, like ps). */
static void command_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	char comm[64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* Arguments are NUL-separated; an argument may itself hold a
		 * newline or other control character, which would break the
		 * one-line-per-namespace table: show those as spaces too. */
		for (size_t i = 0; i + 1 < n; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				buf[i] = ' ';
	}
	if (buf[0])
		return;
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	if (file_line(path, comm, sizeof comm))
		snprintf(buf, len, "[%s]", comm);
}

static int by_inode_then_type(const void *a, const void *b)
{
	const struct ns *x = a;
	const struct ns *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->type - y->type;
}

static int list(int only)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "nsinfo: opendir(\"/proc\") failed: %s\n", strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)atoi(e->d_name);
		for (int t = 0; t < NS_TYPES; t++) {
			char path[64];
			struct stat st;

			if (only >= 0 && t != only)
				continue;
			snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns_types[t].name);
			/* Gone, not ours to read, or a type this kernel lacks. */
			if (stat(path, &st) != 0)
				continue;
			record(t, &st, pid);
		}
	}
	closedir(d);

	qsort(nss, nns, sizeof *nss, by_inode_then_type);
	printf("%10s %-6s %6s %7s %s\n", "NS", "TYPE", "NPROCS", "PID", "COMMAND");
	for (size_t i = 0; i < nns; i++) {
		char cmd[256];

		command_of(nss[i].lowest, cmd, sizeof cmd);
		printf("%10lu %-6s %6d %7d %s\n", (unsigned long)nss[i].ino,
		       ns_types[nss[i].type].name, nss[i].nprocs, (int)nss[i].lowest, cmd);
	}
	return 0;
}

static int compare(const char *arg)
{
	char rows[NS_TYPES][96];
	char *end;
	long pid = strtol(arg, &end, 10);
	int differ = 0;
	int nrows = 0;

	if (!*arg || *end || pid < 1 || pid > 4194304) {
		fprintf(stderr, "nsinfo: '%s' is not a PID\n%s", arg, usage);
		return 2;
	}
	/* Read everything first, so an error is not preceded by half a table. */
	for (int t = 0; t < NS_TYPES; t++) {
		char path[64];
		char self[64];
		struct stat a;
		struct stat b;
		bool same;

		snprintf(path, sizeof path, "/proc/%ld/ns/%s", pid, ns_types[t].name);
		snprintf(self, sizeof self, "/proc/self/ns/%s", ns_types[t].name);
		if (stat(self, &b) != 0)
			continue; /* this kernel has no such namespace type */
		if (stat(path, &a) != 0) {
			int err = errno;

			if (err == ENOENT || err == ESRCH) {
				fprintf(stderr, "nsinfo: no process %ld\n", pid);
				return 1;
			}
			fprintf(stderr, "nsinfo: stat(\"%s\") failed: %s%s\n", path, strerror(err),
				err != EACCES ? ""
				: geteuid()
					? " — run with sudo"
					: " (even root may not look into a process of an outer container)");
			return 1;
		}
		same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
		differ += !same;
		snprintf(rows[nrows++], sizeof rows[0], "%-6s %12lu %12lu  %s", ns_types[t].name,
			 (unsigned long)a.st_ino, (unsigned long)b.st_ino,
			 same ? "same" : "different");
	}
	printf("%-6s %12s %12s\n", "TYPE", "PID", "self");
	for (int i = 0; i < nrows; i++)
		puts(rows[i]);
	printf("%d of %d namespace types differ\n", differ, nrows);
	return 0;
}

int main(int argc, char **argv)
{
	int only = -1;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 3 && (strcmp(argv[1], "-t") == 0 || strcmp(argv[1], "--type") == 0)) {
		only = type_index(argv[2]);
		if (only < 0) {
			fprintf(stderr, "nsinfo: unknown namespace type '%s'\n%s", argv[2], usage);
			return 2;
		}
		return list(only);
	}
	if (argc == 2 && argv[1][0] != '-')
		return compare(argv[1]);
	if (argc == 1)
		return list(-1);
	if (argc == 2 && (strcmp(argv[1], "-t") == 0 || strcmp(argv[1], "--type") == 0))
		fprintf(stderr, "nsinfo: %s needs a TYPE\n%s", argv[1], usage);
	else if (argc == 2)
		fprintf(stderr, "nsinfo: unknown option '%s'\n%s", argv[1], usage);
	else
		fprintf(stderr, "nsinfo: unexpected arguments\n%s", usage);
	return 2;
}
