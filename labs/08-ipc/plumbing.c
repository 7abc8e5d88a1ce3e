/*
 * plumbing.c - Lab 08's plumbing, not the lesson (ipc_demo.c is; the
 * functions are declared in plumbing.h): the command line, the kit's keys,
 * reading the text files the kernel offers (/proc/sysvipc/KIND,
 * /proc/meminfo), and the commands --hold shows.
 */
#include "plumbing.h"
#include "../common/textfile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <time.h>

/* The kit's keys.  A PID is below 2^22 (PID_MAX_LIMIT), so PID + base fits. */
const key_t kit_key_base = 0x6e000000;
const unsigned kit_key_count = 1u << 22;

static const char usage[] =
	"Usage: ipc_demo [OPTION]...\n"
	"Lab 08: create a System V message queue and a POSIX message queue on the\n"
	"host, then the same key and the same queue name again in a new IPC\n"
	"namespace (with a shared-memory segment), and show that each side sees\n"
	"only its own objects and that the namespace's objects go with it.\n\n"
	"  -k, --key KEY    the System V key, 0x6e000000 to 0x6e3fffff (default:\n"
	"                   0x6e000000 + this demo's PID); the POSIX queue is\n"
	"                   named after it, /nslab-ipc-6e......\n"
	"  -s, --size MIB   the shared-memory segment made inside, 1 to 1024 MiB\n"
	"                   (default: 16)\n";

/* A whole number in C notation (42, 0x2a, 052) from MIN to MAX, or exit 2. */
static unsigned long number(const char *option, const char *arg, unsigned long min,
			    unsigned long max, const char *range)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 0);
	if (!*arg || *end || *arg == '-' || errno || n < min || n > max)
		usage_error("%s takes %s, not '%s'", option, range, arg);
	return n;
}

void parse_args(int argc, char **argv, struct demo_opts *opts, key_t *key, unsigned *mib)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "key", required_argument, NULL, 'k' },
						  { "size", required_argument, NULL, 's' },
						  { 0 } };
	unsigned long first = (unsigned long)kit_key_base;
	unsigned long last = first + kit_key_count - 1;
	int c;

	demo_begin("ipc_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS "k:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			*key = (key_t)number(
				"--key", optarg, first, last,
				"a key from 0x6e000000 to 0x6e3fffff (the kit's range)");
			break;
		case 's':
			*mib = (unsigned)number("--size", optarg, 1, 1024,
						"a size in MiB from 1 to 1024");
			break;
		default: /* --help, --quiet, --hold, --pidfile, --shell, or a usage error */
			demo_common_option(c, opts);
		}
	}
	demo_check_opts(opts, argv[optind]);
}

/* How many objects /proc/sysvipc/KIND lists (one a line, after a header),
 * in the IPC namespace of the process that reads it; -1 with errno set if
 * it cannot be read. */
int sysvipc_count(const char *kind)
{
	char path[64];
	char line[512];
	int lines = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/sysvipc/%s", kind);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (strchr(line, '\n'))
			lines++;
	fclose(f);
	return lines > 0 ? lines - 1 : 0;
}

/* The kernel frees a dead namespace's segment a little later, in a worker:
 * look every 20 ms. */
long shmem_wait_fall(long from, long fall)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	long now = file_key("/proc/meminfo", "Shmem");

	for (int i = 0; i < 100 && from - now < fall && !nslab_interrupted; i++)
		if (nanosleep(&tick, NULL) == 0)
			now = file_key("/proc/meminfo", "Shmem");
	if (now < 0) /* else "freed" would be measured against -1 */
		die(ENOENT, "reading Shmem in /proc/meminfo");
	return now;
}

void hold_commands(pid_t child, const char *mq_dir, const char *mq_name)
{
	char cmd[5][96];

	snprintf(cmd[0], 96, "ipcs -q -m");
	snprintf(cmd[1], 96, "sudo nsenter -t %d -i ipcs -q -m", (int)child);
	snprintf(cmd[2], 96, "sudo nsenter -t %d -i cat /proc/sysvipc/shm", (int)child);
	snprintf(cmd[3], 96, "sudo nsenter -t %d -m cat %s%s", (int)child, mq_dir, mq_name);
	snprintf(cmd[4], 96, "sudo lsns -t ipc -p %d", (int)child);
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], cmd[3], cmd[4], NULL });
}
