/*
 * options.c - Lab 01's command line.  Not the lesson: uts_demo.c is.
 */
#include "options.h"

#include <string.h>

static const char usage[] =
	"Usage: uts_demo [OPTION]...\n"
	"Lab 01: give a child its own UTS namespace and change its hostname,\n"
	"then show that the host's hostname did not change.\n\n"
	"  -n, --hostname NAME     hostname to set inside (default: nslab-uts)\n"
	"  -d, --domainname NAME   NIS domain name to set inside (default: unchanged)\n";

static const char *uts_name(const char *option, const char *name)
{
	/* The kernel keeps each name in 65 bytes, the last one a NUL. */
	if (!*name)
		usage_error("%s must not be empty", option);
	if (strlen(name) > 64)
		usage_error("%s is %zu bytes; the kernel allows at most 64", option, strlen(name));
	return name;
}

void parse_args(int argc, char **argv, struct demo_opts *opts, const char **hostname,
		const char **domainname)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "hostname", required_argument, NULL, 'n' },
						  { "domainname", required_argument, NULL, 'd' },
						  { 0 } };
	int c;

	demo_begin("uts_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS "n:d:", longopts, NULL)) != -1) {
		if (c == 'n')
			*hostname = uts_name("--hostname", optarg);
		else if (c == 'd')
			*domainname = uts_name("--domainname", optarg);
		else
			demo_common_option(c, opts);
	}
	demo_check_opts(opts, argv[optind]);
}
