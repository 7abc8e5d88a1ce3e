/* options.c - Lab 05's command line (options.h); not the lesson. */
#include "options.h"
#include "plumbing.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: cgroup_mem_demo [OPTION]...\n"
	"Lab 05: put a child in a memory cgroup with a limit, let it allocate past\n"
	"the limit, and watch the OOM killer end it (cgroup v2 or v1).\n\n"
	"      --limit SIZE   the memory limit (default: 32M; 4K to 1G)\n"
	"      --alloc SIZE   how much the child allocates (default: 4 x the limit;\n"
	"                     at most 8G). Under the limit, it exits 0: the control run\n"
	"      --step SIZE    allocate in chunks of SIZE (default: 4M)\n"
	"      --parent DIR   create the cgroup under DIR instead of the default\n"
	"SIZE is a whole number of bytes with an optional K, M or G (powers of 1024).\n"
	"With --hold the cgroup and its counters are kept after the child ends;\n"
	"with --shell a shell runs inside the cgroup instead of the allocator.\n";

/* The options.  The bounds are a teaching kit's: a typo must not try to
 * fill the machine. */
void parse_args(int argc, char **argv, struct demo_opts *o, unsigned long long *limit,
		unsigned long long *alloc, unsigned long long *chunk, const char **parent)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "limit", required_argument, NULL, 'l' },
						  { "alloc", required_argument, NULL, 'a' },
						  { "step", required_argument, NULL, 's' },
						  { "parent", required_argument, NULL, 'p' },
						  { 0 } };
	int c;

	demo_begin("cgroup_mem_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			*limit = parse_size("--limit", optarg, "32M", 4 * KiB, 1 * GiB);
			break;
		case 'a':
			*alloc = parse_size("--alloc", optarg, "32M", 4 * KiB, 8 * GiB);
			break;
		case 's':
			*chunk = parse_size("--step", optarg, "32M", 4 * KiB, 8 * GiB);
			break;
		case 'p':
			if (!*optarg)
				usage_error("--parent needs a cgroup directory");
			*parent = optarg;
			break;
		default:
			demo_common_option(c, o);
		}
	}
	demo_check_opts(o, argv[optind]);
	if (!*alloc)
		*alloc = 4 * *limit;
	if (*chunk > *alloc)
		*chunk = *alloc;
}
