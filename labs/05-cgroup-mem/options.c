/* options.c - Lab 05's command line (options.h); not the lesson. */
#include "options.h"
#include "plumbing.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char usage[] =
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

/* "32M" -> 33554432: whole numbers only, with an optional K, M or G
 * (powers of 1024).  Anything else is a usage error naming OPT. */
static unsigned long long parse_size(const char *opt, const char *s, unsigned long long min,
				     unsigned long long max)
{
	unsigned long long n = 0;
	unsigned long long mult = 1;
	const char *p = s;
	char minb[32];
	char maxb[32];

	fmt_size(min, minb, sizeof minb);
	fmt_size(max, maxb, sizeof maxb);
	if (!isdigit((unsigned char)*p))
		usage_error("%s takes a size such as 32M, not '%s'", opt, s);
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (ULLONG_MAX - 9) / 10)
			usage_error("%s '%s' is far too large (at most %s)", opt, s, maxb);
		n = n * 10 + (unsigned)(*p - '0');
	}
	switch (toupper((unsigned char)*p)) {
	case '\0':
		break;
	case 'K':
		mult = KiB;
		p++;
		break;
	case 'M':
		mult = MiB;
		p++;
		break;
	case 'G':
		mult = GiB;
		p++;
		break;
	default:
		usage_error("%s takes a size such as 32M (suffix K, M or G), not '%s'", opt, s);
	}
	if (*p)
		usage_error("%s takes a size such as 32M, not '%s'", opt, s);
	if (n > max / mult || n * mult > max)
		usage_error("%s %s is too large: at most %s", opt, s, maxb);
	if (n * mult < min)
		usage_error("%s %s is too small: at least %s", opt, s, minb);
	return n * mult;
}

/* The options.  The bounds are a teaching kit's: a typo must not try to
 * fill the machine. */
void parse_options(int argc, char **argv, struct demo_opts *o, unsigned long long *limit,
		   unsigned long long *alloc, unsigned long long *chunk, const char **parent)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "limit", required_argument, NULL, 'l' },
						  { "alloc", required_argument, NULL, 'a' },
						  { "step", required_argument, NULL, 's' },
						  { "parent", required_argument, NULL, 'p' },
						  { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			*limit = parse_size("--limit", optarg, 4 * KiB, 1 * GiB);
			break;
		case 'a':
			*alloc = parse_size("--alloc", optarg, 4 * KiB, 8 * GiB);
			break;
		case 's':
			*chunk = parse_size("--step", optarg, 4 * KiB, 8 * GiB);
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
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(o);
	if (!*alloc)
		*alloc = 4 * *limit;
	if (*chunk > *alloc)
		*chunk = *alloc;
}
