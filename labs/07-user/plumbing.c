/*
 * plumbing.c - Lab 07's plumbing, not the lesson: the command line,
 * counting capability bits, what to tell a student when the kernel will
 * not give an ordinary user a user namespace, and the --hold commands.
 * The functions are declared in plumbing.h.
 */
#include "plumbing.h"
#include "../common/textfile.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: user_demo [OPTION]...\n"
	"Lab 07: as an ordinary user, without sudo, start a child in a new user\n"
	"namespace, map its uid 0 to yours, and show what that root can and cannot do.\n\n"
	"  -n, --hostname NAME   hostname for the child's own UTS namespace\n"
	"                        (default: nslab-user)\n";

void parse_args(int argc, char **argv, struct demo_opts *opts, const char **hostname)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "hostname", required_argument, NULL, 'n' },
						  { 0 } };
	int c;

	demo_begin("user_demo", usage);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS "n:", longopts, NULL)) != -1) {
		if (c != 'n') {
			demo_common_option(c, opts);
			continue;
		}
		/* sethostname() takes at most 64 bytes (HOST_NAME_MAX). */
		if (!*optarg || strlen(optarg) > HOST_NAME_MAX)
			usage_error("--hostname takes 1 to %d bytes, not %zu", HOST_NAME_MAX,
				    strlen(optarg));
		*hostname = optarg;
	}
	demo_check_opts(opts, argv[optind]);
}

/* "EPERM" for EPERM; strerrorname_np() may not know every number. */
const char *errname(int err)
{
	static char unknown[32];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(unknown, sizeof unknown, "errno %d", err);
	return unknown;
}

/* Our effective uid as the parent user namespace sees it.  In the child,
 * geteuid() is 0 once "0 <uid> 1" is mapped, but the one who ran the lab is
 * still <uid>: /proc/self/uid_map, read from inside, gives ids outside. */
static unsigned long outer_euid(void)
{
	unsigned long uid = geteuid();
	unsigned long in;
	unsigned long out;
	unsigned long count;
	FILE *map = fopen("/proc/self/uid_map", "re");

	while (map && fscanf(map, "%lu %lu %lu", &in, &out, &count) == 3)
		if (uid >= in && uid - in < count) {
			uid = out + (uid - in);
			break;
		}
	if (map)
		fclose(map);
	return uid;
}

/* "all 41 capabilities", "3 of 41 capabilities" or "no capabilities", for a
 * CapEff mask: the kernel knows capabilities 0 to cap_last_cap. */
const char *capability_words(const char *mask)
{
	static char words[64];
	unsigned long long bits = strtoull(mask, NULL, 16);
	long long last = file_number("/proc/sys/kernel/cap_last_cap");
	int known = last >= 0 && last < 64 ? (int)last + 1 : 64;
	int set = 0;

	for (int i = 0; i < 64; i++)
		set += (int)((bits >> i) & 1);
	if (set == 0)
		snprintf(words, sizeof words, "no capabilities");
	else if (set == known)
		snprintf(words, sizeof words, "all %d capabilities", known);
	else
		snprintf(words, sizeof words, "%d of %d capabilities", set, known);
	return words;
}

/*
 * CALL failed with ERR while making or using the user namespace: say which
 * of the known switches refused it, and how to change it, then exit 1.
 * Each switch is recognised from its own file in /proc/sys, never guessed:
 *   - Ubuntu 23.10 and later (24.04 turns it on): AppArmor moves an
 *     unconfined program that makes a user namespace into the profile
 *     "unprivileged_userns", which denies every capability;
 *   - Debian's (and Ubuntu's) kernel.unprivileged_userns_clone = 0;
 *   - user.max_user_namespaces, 0 or used up (ENOSPC).
 */
noreturn void refused(int err, const char *call)
{
	long long apparmor = file_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	long long debian = file_number("/proc/sys/kernel/unprivileged_userns_clone");
	long long max = file_number("/proc/sys/user/max_user_namespaces");
	char exe[PATH_MAX] = "labs/07-user/user_demo";
	char dir[PATH_MAX];
	char label[128] = "";
	bool denied = err == EPERM || err == EACCES;
	ssize_t n;

	if (nslab_interrupted) /* the child is gone on purpose: no story */
		die_exit();
	fflush(stdout);
	fprintf(stderr, "%s: %s failed: %s (%s)\n", nslab_prog, call, errname(err), strerror(err));
	if (err == ENOSPC && max >= 0) {
		/* Since Linux 4.9 nesting past the limit says ENOSPC too (EUSERS before):
		 * a new namespace's parent may be at most 32 levels below the initial one. */
		fprintf(stderr, "    user.max_user_namespaces is %lld: %s\n", max,
			max == 0
				? "no user namespace may be created at all"
				: "that many exist already for this user or namespace,\n"
				  "    or this one would nest more than 33 deep, the kernel's fixed limit");
		fprintf(stderr,
			"    a higher limit: sudo sysctl -w user.max_user_namespaces=10000\n");
	} else if (denied && debian == 0 && outer_euid() != 0) {
		fprintf(stderr,
			"    kernel.unprivileged_userns_clone is 0 (Debian's and Ubuntu's switch):\n"
			"    only root may create user namespaces here. To allow ordinary users:\n"
			"      sudo sysctl -w kernel.unprivileged_userns_clone=1\n");
	} else if (denied && apparmor == 1 && outer_euid() != 0) {
		if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0)
			exe[n] = '\0';
		snprintf(dir, sizeof dir, "%s", exe);
		if (!file_line("/proc/self/attr/apparmor/current", label, sizeof label))
			file_line("/proc/self/attr/current", label, sizeof label);
		if (strncmp(label, "unconfined", 10) == 0) /* the parent: say nothing */
			*label = '\0';
		fprintf(stderr,
			"    Ubuntu's AppArmor restricts unprivileged user namespaces here\n"
			"    (kernel.apparmor_restrict_unprivileged_userns = 1): the namespace is made,\n"
			"    but its process is moved to the profile unprivileged_userns, which\n"
			"    denies every capability%s%s%s. Either fix works:\n"
			"    - the kit's choice: a profile that allows user namespaces to this program only\n"
			"        sed 's|@DEMO@|%s|' %s/user_demo.apparmor |\n"
			"            sudo tee /etc/apparmor.d/nslab-user_demo >/dev/null\n"
			"        sudo apparmor_parser -r /etc/apparmor.d/nslab-user_demo\n"
			"    - on a throwaway lab VM only, lift the restriction for every program:\n"
			"        sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\n",
			*label ? " (this process runs under \"" : "", label, *label ? "\")" : "",
			exe, dirname(dir));
	} else if (denied && strstr(call, "_map") && outer_euid() != 0) {
		fprintf(stderr,
			"    without privilege a map may hold one line, for your own id, and be\n"
			"    written once; the gid map only after setgroups is denied\n");
	} else if (denied) {
		fprintf(stderr,
			"    none of the known switches explains it (inside a container, whose\n"
			"    seccomp filter forbids new namespaces, or a chroot?): try the VM\n");
	}
	die_exit();
}

void hold_commands(pid_t child, const char *sudo)
{
	char cmd[4][128];

	snprintf(cmd[0], 128, "cat /proc/%d/uid_map /proc/%d/gid_map", (int)child, (int)child);
	snprintf(cmd[1], 128, "grep -E '^(Uid|Gid|CapEff)' /proc/%d/status", (int)child);
	snprintf(cmd[2], 128, "%slsns -t user", sudo);
	snprintf(cmd[3], 128, "%snsenter --preserve-credentials --user --uts -t %d hostname", sudo,
		 (int)child);
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], cmd[3], NULL });
}
