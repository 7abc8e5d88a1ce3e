/* options.c - Lab 12's command line, and the header of its report; see
 * options.h. */
#include "options.h"
#include "../common/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char usage[] =
	"Usage: nsbench [OPTION]...\n"
	"Lab 12: what isolation costs on this machine - a process, each namespace,\n"
	"a small container and a VM, in time and in memory, measured here.\n\n"
	"  -n, --runs N        time each figure N times (1-1000, default 10); memory\n"
	"                      in up to 3 rounds; the VM up to 3 boots (1 under TCG)\n"
	"  -c, --count N       namespaces of each type held at once for the memory\n"
	"                      figures (1-1000, default 200)\n"
	"      --only LIST     only these sections, comma-separated: floor, clone,\n"
	"                      gone, memory, container, vm\n"
	"      --quick         --runs 3 --count 50 (an option after it wins)\n"
	"      --vm-timeout S  give the VM S seconds to reach userspace (1-3600, default 120)\n"
	"      --csv           print comma-separated values instead of the table and chart\n"
	"  -q, --quiet         the table without the chart\n"
	"  -h, --help          show this help and exit\n\n"
	"Each figure is printed as the median, the minimum and the maximum of its runs.\n"
	"Exit status: 0, 1 on a runtime error, 2 on a usage error, 128+N after signal N.\n";

static const char sections[] = "floor,clone,gone,memory,container,vm";

/* --only: a list of known sections, none empty. */
static void check_only(const char *only)
{
	char list[256];
	char *tok;
	char *save;

	if (strlen(only) >= sizeof list)
		usage_error("--only: too long");
	snprintf(list, sizeof list, "%s", only);
	tok = strtok_r(list, ",", &save);
	if (!tok)
		usage_error("--only needs a list of sections, such as floor,clone");
	for (; tok; tok = strtok_r(NULL, ",", &save))
		if (!has_word(sections, tok, ','))
			usage_error(
				"--only: no section '%s' (floor, clone, gone, memory, container, vm)",
				tok);
}

void parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' },
						  { "runs", required_argument, NULL, 'n' },
						  { "count", required_argument, NULL, 'c' },
						  { "only", required_argument, NULL, 'o' },
						  { "quick", no_argument, NULL, 'Q' },
						  { "csv", no_argument, NULL, 'C' },
						  { "vm-timeout", required_argument, NULL, 'T' },
						  { "quiet", no_argument, NULL, 'q' },
						  { 0 } };
	int c;

	*o = (struct bench_opts){ .runs = 10, .count = 200, .vm_timeout = 120 };
	demo_begin("nsbench", usage);
	while ((c = getopt_long(argc, argv, "hqn:c:", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		} else if (c == 'n') {
			o->runs = (int)parse_number("--runs", optarg, 1, MAX_RUNS);
		} else if (c == 'c') {
			o->count = (int)parse_number("--count", optarg, 1, 1000);
		} else if (c == 'T') {
			o->vm_timeout = (int)parse_number("--vm-timeout", optarg, 1, 3600);
		} else if (c == 'Q') {
			o->runs = 3;
			o->count = 50;
		} else if (c == 'C') {
			o->csv = true;
		} else if (c == 'q') {
			o->quiet = true;
		} else if (c == 'o') {
			o->only = optarg;
		} else {
			usage_error(NULL);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->only)
		check_only(o->only);
}

bool wanted(const struct bench_opts *o, const char *section)
{
	return !o->only || has_word(o->only, section, ',');
}

void machine(const struct bench_opts *o)
{
	struct utsname u;
	long mem = sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (uname(&u) != 0)
		die(errno, "uname()");
	if (o->csv) {
		printf("section,figure,unit,median,min,max,runs,note\n");
		printf("machine,\"%s %s %s\",,,,,,\"%ld CPUs, %ld MiB\"\n", u.sysname, u.release,
		       u.machine, cpus, mem);
	} else {
		printf("nsbench: what isolation costs on this machine\n");
		printf("machine: %s %s %s, %ld CPUs, %ld MiB RAM\n", u.sysname, u.release,
		       u.machine, cpus, mem);
		printf("each figure over %d runs: median, min, max (memory: %d rounds of %d namespaces)\n",
		       o->runs, o->runs < MAX_ROUNDS ? o->runs : MAX_ROUNDS, o->count);
	}
	fflush(stdout);
}
