/*
 * options.c - Lab 11's command line, and the settings it fills in (see
 * options.h): plumbing, not the lesson (mini_container.c is).
 */
#include "options.h"
#include "../common/rootfs.h"
#include "../common/args.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *hostname = "nslab-ctr";
unsigned long long memory_max = 256ULL << 20;
long pids_max = 64;
struct in_addr host_ip;
struct in_addr ctr_ip;
bool no_net;
bool rootless;
char rootfs[PATH_MAX];
char **command;

static const char usage[] =
	"Usage: mini_container [OPTION]... [--] [COMMAND [ARG]...]\n"
	"Lab 11, the capstone: run COMMAND as PID 1 of a small container made of\n"
	"everything the other labs showed one at a time: new UTS, PID, mount, IPC,\n"
	"network and cgroup namespaces, pivot_root into a small root filesystem, a\n"
	"veth pair to the host, and a cgroup with a memory and a pids limit.\n"
	"Without COMMAND: /bin/sh (interactive on a terminal); with --hold and no\n"
	"COMMAND, PID 1 is this program's own child, waiting.\n\n"
	"  -n, --hostname NAME      the container's hostname (default: nslab-ctr)\n"
	"  -m, --memory SIZE        its memory limit, swap excluded (default: 256M;\n"
	"                           4M to 64G; SIZE takes K, M or G, powers of 1024)\n"
	"  -p, --pids N             at most N processes in it (default: 64; 1 to 32768)\n"
	"      --subnet A.B.C.0/24  the veth's subnet (default: 10.230.0.0/24); the\n"
	"                           host end nslab-c<PID> gets .1, eth0 inside .2\n"
	"      --no-net             no veth: a network namespace with only lo\n"
	"      --rootfs DIR         the root filesystem (default: labs/rootfs beside\n"
	"                           this program's directory, built by `make`)\n"
	"      --rootless           run as an ordinary user, in a user namespace of its\n"
	"                           own; without the cgroup and the veth, which need\n"
	"                           the host's root\n";

void parse_args(int argc, char **argv, struct demo_opts *opts)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "hostname", required_argument, NULL, 'n' },
						  { "memory", required_argument, NULL, 'm' },
						  { "pids", required_argument, NULL, 'p' },
						  { "subnet", required_argument, NULL, 's' },
						  { "no-net", no_argument, NULL, 'N' },
						  { "rootfs", required_argument, NULL, 'r' },
						  { "rootless", no_argument, NULL, 'R' },
						  { 0 } };
	const char *given_rootfs = NULL;
	const char *only_as_root = NULL;
	int c;

	demo_begin("mini_container", usage);
	parse_subnet("10.230.0.0/24", "10.230.0.0/24", &host_ip, &ctr_ip);
	/* "+": options end at the first word that is not one, the COMMAND. */
	while ((c = getopt_long(argc, argv, "+" DEMO_COMMON_SHORTOPTS "n:m:p:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'n':
			if (!*optarg || strlen(optarg) > HOST_NAME_MAX)
				usage_error("--hostname takes 1 to %d bytes", HOST_NAME_MAX);
			hostname = optarg;
			break;
		case 'm':
			memory_max = parse_size("--memory", optarg, "64M", 4 * MiB, 64 * GiB);
			only_as_root = "--memory";
			break;
		case 'p':
			pids_max = (long)parse_number("--pids", optarg, 1, 32768);
			only_as_root = "--pids";
			break;
		case 's':
			parse_subnet(optarg, "10.230.0.0/24", &host_ip, &ctr_ip);
			only_as_root = "--subnet";
			break;
		case 'N':
			no_net = true;
			break;
		case 'r':
			given_rootfs = optarg;
			break;
		case 'R':
			rootless = true;
			break;
		default:
			demo_common_option(c, opts);
		}
	}
	if (optind < argc)
		command = argv + optind;
	if (command && opts->shell)
		usage_error("--shell starts /bin/sh; it does not go with a COMMAND");
	if (rootless && only_as_root)
		usage_error("%s needs the host's root: --rootless has no cgroup and no veth",
			    only_as_root);
	demo_check_opts(opts, NULL); /* what follows the options is COMMAND */
	rootfs_choose(given_rootfs, rootfs);
}
