/*
 * plumbing.c - Lab 10's command line, how it prints times, the /proc files
 * it reads, and the --hold commands.  Not the lesson: time_demo.c is.
 */
#include "plumbing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A hundred years either way: far from the kernel's own ceiling (about
 * 146 years of CLOCK_MONOTONIC), and more than anyone needs to see. */
#define OFFSET_MAX (36500LL * 86400)

static const char usage[] =
	"Usage: time_demo [OPTION]...\n"
	"Lab 10: start a child in a new time namespace whose CLOCK_MONOTONIC and\n"
	"CLOCK_BOOTTIME (uptime) are shifted by an offset, and show that\n"
	"CLOCK_REALTIME, the wall clock `date` prints, is not.\n\n"
	"  -o, --offset TIME   shift both clocks by TIME: whole seconds, or a number\n"
	"                      followed by s, m, h or d; negative to go back\n"
	"                      (default: 10d, ten days; at most 36500d either way)\n";

/* "10d", "-90s", "3600": seconds, or a usage error (exit 2). */
static long long parse_offset(const char *arg)
{
	static const char units[] = "smhd";
	static const long long unit_secs[] = { 1, 60, 3600, 86400 };
	const char *digits = arg + (*arg == '-' || *arg == '+');
	long long n;
	long long scale = 1;
	char *end;

	if (!*arg)
		usage_error("--offset needs a time, e.g. 10d or -90s");
	errno = 0;
	n = strtoll(digits, &end, 10);
	if (end == digits || *digits < '0' || *digits > '9' ||
	    (*end && (end[1] || !strchr(units, *end))))
		usage_error("--offset '%s': give whole seconds, or a number followed by "
			    "s, m, h or d (e.g. 10d, -90s)",
			    arg);
	if (*end)
		scale = unit_secs[strchr(units, *end) - units];
	if (errno == ERANGE || n > OFFSET_MAX / scale)
		usage_error("--offset '%s' is more than 36500d (100 years)", arg);
	return *arg == '-' ? -n * scale : n * scale;
}

void parse_args(int argc, char **argv, struct demo_opts *opts, long long *offset)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "offset", required_argument, NULL, 'o' },
						  { 0 } };
	int c;

	demo_begin("time_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS "o:", longopts, NULL)) != -1)
		if (c == 'o')
			*offset = parse_offset(optarg);
		else
			demo_common_option(c, opts);
	demo_check_opts(opts, argv[optind]);
}

/* NS nanoseconds to the hundredth, as /proc/uptime; SIGN: "+12.34 s". */
struct text secs(long long ns, bool sign)
{
	struct text t;
	long long cs = (ns < 0 ? -ns : ns) / (NS / 100);

	snprintf(t.s, sizeof t.s, "%s%lld.%02lld s",
		 ns < 0 ? "-"
		 : sign ? "+"
			: "",
		 cs / 100, cs % 100);
	return t;
}

/* The wall clock NS as `date -u` prints it, near enough. */
struct text wall(long long ns)
{
	time_t sec = (time_t)(ns / NS);
	struct text t = { "?" };
	struct tm tm;

	if (gmtime_r(&sec, &tm))
		strftime(t.s, sizeof t.s, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return t;
}

/* Within half a second: /proc/uptime has only hundredths, and a run of
 * the demo takes a few milliseconds. */
bool near(long long ns, long long want)
{
	return ns - want <= NS / 2 && want - ns <= NS / 2;
}

struct text ns_link(const char *path)
{
	struct text l = { "" };

	if (readlink(path, l.s, sizeof l.s - 1) < 0)
		die(errno, "readlink(\"%s\")", path);
	return l;
}

bool offsets_seen(const char *file, long long offset, char *seen, size_t size)
{
	FILE *f = fopen(file, "re");
	int ours = 0;
	int n = 0;
	char clock[16];
	long long sec;
	long nsec;

	if (!f)
		die(errno, "fopen(\"%s\")", file);
	while (fscanf(f, "%15s %lld %ld", clock, &sec, &nsec) == 3 && n < (int)size) {
		n += snprintf(seen + n, size - n, "%s%s %lld", n ? ", " : "", clock, sec);
		if (sec == offset && nsec == 0)
			ours++;
	}
	fclose(f);
	return ours == 2;
}

void hold_commands(pid_t child, const char *offsets_file)
{
	char cmd[4][96];

	snprintf(cmd[0], 96, "cat /proc/uptime; sudo nsenter -t %d -T cat /proc/uptime",
		 (int)child);
	snprintf(cmd[1], 96, "date; sudo nsenter -t %d -T date", (int)child);
	snprintf(cmd[2], 96, "cat %s", offsets_file);
	snprintf(cmd[3], 96, "sudo lsns -t time -p %d", (int)child);
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], cmd[3], NULL });
}
