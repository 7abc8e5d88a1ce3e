/*
 * plumbing.c - Lab 11's plumbing, not its lesson (mini_container.c is, and
 * declares what it uses from here):
 *   - the command line, and the settings it fills in;
 *   - the root filesystem to pivot into;
 *   - where the memory and pids controllers live (cgroup v2 or v1), and
 *     the small chores around a cgroup: counters, emptying it, handing a
 *     controller back;
 *   - rtnetlink without a library: a request laid out in memory, sent on
 *     a socket of the caller's network namespace, and its answer;
 *   - reading /proc: a process's namespaces, its cgroup line.
 */
#include "../common/cgroup.h"
#include "../common/nslab.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* ---- the settings --------------------------------------------------------- */

const char *hostname = "nslab-ctr";
unsigned long long memory_max = 256ULL << 20; /* --memory, bytes */
long pids_max = 64;			      /* --pids */
struct in_addr host_ip, ctr_ip;		      /* .1 and .2 of --subnet */
bool no_net, rootless;
char rootfs[PATH_MAX];
char **command; /* NULL: the default, /bin/sh */

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

/* "64M" -> 67108864: a whole number, then K, M or G (powers of 1024). */
static unsigned long long parse_size(const char *s)
{
	const unsigned long long lo = 4ULL << 20, hi = 64ULL << 30;
	unsigned long long n = 0;
	const char *p = s;
	int shift = 0;

	for (; isdigit((unsigned char)*p) && n <= hi; p++)
		n = n * 10 + (unsigned)(*p - '0');
	if (*p == 'K' || *p == 'k')
		shift = 10, p++;
	else if (*p == 'M' || *p == 'm')
		shift = 20, p++;
	else if (*p == 'G' || *p == 'g')
		shift = 30, p++;
	if (p == s || !isdigit((unsigned char)*s) || *p)
		usage_error("--memory takes a size such as 64M, not '%s'", s);
	if (n > (hi >> shift) || (n << shift) < lo)
		usage_error("--memory %s is out of range: 4M to 64G", s);
	return n << shift;
}

static long parse_count(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || n < 1 || n > 32768)
		usage_error("--pids takes a whole number from 1 to 32768, not '%s'", s);
	return n;
}

static void parse_subnet(const char *s)
{
	char ip[INET_ADDRSTRLEN + 8];
	unsigned char *b = (unsigned char *)&host_ip.s_addr;
	size_t len = strcspn(s, "/");

	snprintf(ip, sizeof ip, "%.*s", (int)(len < sizeof ip ? len : 0), s);
	if (strcmp(s + len, "/24") != 0 || inet_pton(AF_INET, ip, &host_ip) != 1 || b[3] != 0)
		usage_error("--subnet takes A.B.C.0/24, not '%s'", s);
	if (b[0] == 0 || b[0] == 127 || b[0] >= 224)
		usage_error("--subnet %s is not a usable unicast range (try 10.230.0.0/24)", s);
	ctr_ip = host_ip;
	b[3] = 1;
	((unsigned char *)&ctr_ip.s_addr)[3] = 2;
}

/* Is there a sh in DIR's /bin?  A link counts even if it dangles here:
 * busybox's point to /bin/busybox, which is only right seen from inside. */
static bool has_sh(const char *dir)
{
	char sh[PATH_MAX + 16];
	struct stat st;

	snprintf(sh, sizeof sh, "%s/bin/sh", dir);
	return lstat(sh, &st) == 0;
}

/* --rootfs DIR, or else labs/rootfs found from this program's own path. */
static void choose_rootfs(const char *given)
{
	char exe[PATH_MAX], mark[PATH_MAX + 32], *cut;
	ssize_t n;

	if (given) {
		if (!*given)
			usage_error("--rootfs needs a directory");
		if (!realpath(given, rootfs))
			usage_error("--rootfs '%.80s%s': %s", given,
				    strlen(given) > 80 ? "..." : "", strerror(errno));
		if (strcmp(rootfs, "/") == 0)
			usage_error("--rootfs / is the host's own root; give a root filesystem");
		if (!has_sh(rootfs))
			usage_error("--rootfs '%s' has no /bin/sh (tools/mkrootfs makes one)",
				    rootfs);
		return;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) < 0)
		die(errno, "readlink(\"/proc/self/exe\")");
	exe[n] = '\0';
	for (int up = 0; up < 2; up++) /* .../labs/11-container/mini_container -> .../labs */
		if ((cut = strrchr(exe, '/')))
			*cut = '\0';
	snprintf(rootfs, sizeof rootfs, "%.*s/rootfs", PATH_MAX - 8, exe);
	snprintf(mark, sizeof mark, "%s/.nslab-rootfs", rootfs);
	if (access(mark, F_OK) != 0 || !has_sh(rootfs)) {
		fprintf(stderr,
			"%s: no root filesystem in %s: run `make` (tools/mkrootfs builds it), "
			"or give --rootfs DIR\n",
			nslab_prog, rootfs);
		exit(EXIT_RUNTIME);
	}
}

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
	const char *given_rootfs = NULL, *only_as_root = NULL;
	int c;

	demo_begin("mini_container", usage);
	parse_subnet("10.230.0.0/24");
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
			memory_max = parse_size(optarg);
			only_as_root = "--memory";
			break;
		case 'p':
			pids_max = parse_count(optarg);
			only_as_root = "--pids";
			break;
		case 's':
			parse_subnet(optarg);
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
	demo_check_opts(opts);
	choose_rootfs(given_rootfs);
}

/* ---- cgroups ---------------------------------------------------------------- */

/* Each line of /proc/self/mountinfo, cut into its mount point, file system
 * type and super options ("id parent dev root POINT opts [tags] - TYPE
 * source SUPEROPTS"). */
static bool mount_line(FILE *f, char point[PATH_MAX], char type[32], char super[256])
{
	char line[PATH_MAX + 512], *dash;

	while (fgets(line, sizeof line, f))
		if ((dash = strstr(line, " - ")) &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    sscanf(dash + 3, "%31s %*s %255s", type, super) == 2)
			return true;
	return false;
}

/* Is WORD in LIST, between separators SEP (and the ends)? */
static bool listed(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);

	for (const char *p = list; p; p = strchr(p, sep) ? strchr(p, sep) + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == sep || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

/* Where controller CTRL is: a cgroup2 mount that offers it (it is listed in
 * the root's cgroup.controllers), else a v1 hierarchy mounted with it.  The
 * parent for our cgroup: the root on v2 (as Lab 05), on v1 the cgroup this
 * process is in already ("N:memory:/path" in /proc/self/cgroup). */
bool find_controller(const char *ctrl, char mnt[PATH_MAX], char parent[PATH_MAX], bool *v1)
{
	char point[PATH_MAX], type[32], super[256], path[PATH_MAX + 32], offers[256] = "";
	char line[PATH_MAX + 64];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int fd;
	ssize_t n;

	if (!f)
		die(errno, "fopen(\"/proc/self/mountinfo\")");
	*mnt = '\0';
	while (!*mnt && mount_line(f, point, type, super)) {
		snprintf(path, sizeof path, "%s/cgroup.controllers", point);
		if (strcmp(type, "cgroup2") == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			n = read(fd, offers, sizeof offers - 1);
			offers[n > 0 ? n : 0] = '\0';
			close(fd);
			if (listed(offers, ctrl, ' '))
				snprintf(mnt, PATH_MAX, "%s", point), *v1 = false;
		} else if (strcmp(type, "cgroup") == 0 && listed(super, ctrl, ',')) {
			snprintf(mnt, PATH_MAX, "%s", point), *v1 = true;
		}
	}
	fclose(f);
	if (!*mnt)
		return false;
	snprintf(parent, PATH_MAX, "%s", mnt);
	if (!*v1 || !(f = fopen("/proc/self/cgroup", "r")))
		return true;
	while (fgets(line, sizeof line, f)) {
		char *ctrls = strchr(line, ':'), *rel = ctrls ? strchr(ctrls + 1, ':') : NULL;

		if (!rel)
			continue;
		*rel++ = '\0'; /* "4:memory:/path" -> "memory" and "/path" */
		rel[strcspn(rel, "\n")] = '\0';
		if (listed(ctrls + 1, ctrl, ',') && strcmp(rel, "/") != 0)
			snprintf(parent, PATH_MAX, "%.*s%s", PATH_MAX / 2, mnt, rel);
	}
	fclose(f);
	return true;
}

/* FILE of directory DIR, as text (at most LEN - 1 bytes); false if unread. */
bool read_text(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n >= 0;
}

/* The number after KEY in a "key value" file such as memory.events; -1 if
 * the file or the key is not there. */
long long counter(const char *dir, const char *file, const char *key)
{
	char text[4096];
	size_t klen = strlen(key);

	if (!read_text(dir, file, text, sizeof text))
		return -1;
	for (char *at = text; at; at = strchr(at, '\n') ? strchr(at, '\n') + 1 : NULL)
		if (strncmp(at, key, klen) == 0 && at[klen] == ' ')
			return strtoll(at + klen + 1, NULL, 10);
	return -1;
}

/* rmdir DIR, a cgroup, after killing what is in it: it fails (EBUSY)
 * while a process is there, and a moment more after the last one was
 * killed.  False, said on stderr, if it stays; else v2's controllers
 * go back to its parent as found (DIR NULL: that only). */
static void hand_back(const char *parent, const char *added);

bool remove_cgroup(const char *dir, const char *parent, const char *added)
{
	int err = 0, tries = 0;

	if (!dir) { /* never made (a signal came first): hand back only */
		hand_back(parent, added);
		return true;
	}
	/* Whatever is still there (processes a shell left behind, or one that
	 * entered with nsenter and forked) goes first: labs/common/cgroup.c. */
	cgroup_kill_all(dir);
	while ((err = rmdir(dir) ? errno : 0) == EBUSY && tries++ < 250)
		poll(NULL, 0, 20);
	if (err)
		fprintf(stderr, "%s: rmdir(\"%s\") failed: %s; try: sudo tools/nslab-clean --yes\n",
			nslab_prog, dir, strerror(err));
	else
		hand_back(parent, added);
	return !err;
}

/* Put a v2 parent's cgroup.subtree_control back as we found it: take away
 * the controllers in ADDED ("+memory +pids" written earlier) - but only if
 * no cgroup is below it now.  Another run's would lose its limits. */
static void hand_back(const char *parent, const char *added)
{
	char path[PATH_MAX + 32], minus[64];
	DIR *d = opendir(parent);
	struct dirent *e;
	bool busy = !d;
	int fd;

	while (d && (e = readdir(d)))
		busy |= e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	if (busy || !*added)
		return;
	snprintf(minus, sizeof minus, "%s", added);
	for (char *p = minus; (p = strchr(p, '+'));)
		*p = '-';
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, minus, strlen(minus)) < 0)
		warn_errno(errno, "writing \"%s\" to %s", minus, path);
	if (fd >= 0)
		close(fd);
}

/* v2: a parent hands a controller down to its children once "+NAME" is
 * in its cgroup.subtree_control.  Write those of CTRLS that are missing
 * (a root cgroup may: it is exempt from "no processes in inner nodes"),
 * and say which in ADDED, for hand_back() to undo. */
void hand_down(const char *parent, const char *ctrls, char *added, size_t len)
{
	char have[256], path[PATH_MAX + 32];
	int fd;

	*added = '\0';
	read_text(parent, "cgroup.subtree_control", have, sizeof have);
	for (const char *const *c = (const char *const[]){ "memory", "pids", NULL }; *c; c++)
		if (strstr(ctrls, *c) && !listed(have, *c, ' '))
			snprintf(added + strlen(added), len - strlen(added), "%s+%s",
				 *added ? " " : "", *c);
	if (!*added)
		return;
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, added, strlen(added)) < 0)
		die(errno, "writing \"%s\" to %s", added, path);
	close(fd);
	note("\"%s\" into %s, first", added, path);
}

/* Step 13: what the cgroup counted - OOM kills (memory.events on v2,
 * memory.oom_control on v1), and forks refused at pids.max. */
void note_counters(const char *dir, bool v1, const char *ctrls)
{
	const char *events = v1 ? "memory.oom_control" : "memory.events";

	if (strstr(ctrls, "memory"))
		note("%s/%s: oom_kill %lld", dir, events, counter(dir, events, "oom_kill"));
	if (strstr(ctrls, "pids"))
		note("%s/pids.events: max %lld", dir, counter(dir, "pids.events", "max"));
}

/* The line of /proc/self/cgroup for controller CTRL on v1, or v2's "0::". */
void cgroup_line(const char *ctrl, char *buf, size_t len)
{
	char line[PATH_MAX + 64], want[64];
	FILE *f = fopen("/proc/self/cgroup", "r");

	snprintf(buf, len, "?");
	snprintf(want, sizeof want, ":%s:", ctrl);
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, want) || (strncmp(line, "0::", 3) == 0 && *buf == '?'))
			snprintf(buf, len, "%s", line);
	}
	if (f)
		fclose(f);
}

/* ---- the root filesystem ------------------------------------------------- */

/* A bind mount made in a user namespace inherits its source's nosuid,
 * nodev, noexec and atime flags locked: a remount must repeat them (or
 * fail with EPERM).  They, as MS_ flags, of the mount PATH is on. */
unsigned long flags_to_keep(const char *path)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_NOSUID, MS_NOSUID },	  { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },	  { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long ms = 0;

	if (statvfs(path, &sv) != 0)
		die(errno, "statvfs(\"%s\")", path);
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (sv.f_flag & map[i].st)
			ms |= map[i].ms;
	return ms;
}

/* ---- rtnetlink ------------------------------------------------------------ */

/* One request at a time: a netlink header, the fixed part of its family
 * (struct ifinfomsg for a link, struct ifaddrmsg for an address), then
 * attributes - type, length, value, padded to 4 bytes - some holding
 * others. */
static struct {
	struct nlmsghdr head;
	char room[1024];
} msg;

void rt_begin(int type, int flags, const void *fixed, size_t size)
{
	memset(&msg, 0, sizeof msg);
	msg.head.nlmsg_type = (unsigned short)type;
	msg.head.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	msg.head.nlmsg_len = NLMSG_LENGTH(size);
	memcpy(NLMSG_DATA(&msg.head), fixed, size);
}

/* Append an attribute; for a nest, DATA is NULL and rt_close() ends it. */
struct rtattr *rt_add(int type, const void *data, size_t size)
{
	struct rtattr *a = (struct rtattr *)((char *)&msg + NLMSG_ALIGN(msg.head.nlmsg_len));

	if (NLMSG_ALIGN(msg.head.nlmsg_len) + RTA_SPACE(size) > sizeof msg)
		abort(); /* the lab's requests are small: a bug, said loudly */
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(size);
	if (data)
		memcpy(RTA_DATA(a), data, size);
	msg.head.nlmsg_len = NLMSG_ALIGN(msg.head.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

void rt_close(struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)&msg + msg.head.nlmsg_len - (char *)nest);
}

/* Send the request on a new NETLINK_ROUTE socket - which acts in the
 * network namespace of whoever opens it - and read until the kernel's
 * NLMSG_ERROR answer: 0 (an ACK) or -errno.  With SEEN set, an answer
 * carrying a link (RTM_NEWLINK, to an RTM_GETLINK) is handed to it first. */
static int rt_talk(void (*seen)(const struct nlmsghdr *, void *), void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[8192] __attribute__((aligned(4)));
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), err = -EBADMSG;
	ssize_t n;

	if (fd < 0)
		return -errno;
	msg.head.nlmsg_seq = 1;
	if (sendto(fd, &msg, msg.head.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		err = -errno;
	else
		while (err == -EBADMSG &&
		       ((n = recv(fd, buf, sizeof buf, 0)) >= 0 || errno == EINTR)) {
			for (struct nlmsghdr *h = (void *)buf; n > 0 && NLMSG_OK(h, (size_t)n);
			     h = NLMSG_NEXT(h, n)) {
				if (h->nlmsg_type == NLMSG_ERROR)
					err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				else if (seen)
					seen(h, arg);
			}
		}
	close(fd);
	return err;
}

int rt_send(void)
{
	return rt_talk(NULL, NULL);
}

int rt_delete(const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	rt_begin(RTM_DELLINK, 0, &ifi, sizeof ifi);
	rt_add(IFLA_IFNAME, name, strlen(name) + 1);
	return rt_send();
}

/* RTM_NEWADDR ADDR/24 on link NAME (unless ADDR is NULL), then RTM_NEWLINK
 * with IFF_UP in ifi_change (what to change) and ifi_flags (to what):
 * `ip addr add` and `ip link set up`, in the caller's network namespace. */
void rt_address_up(const char *name, const struct in_addr *addr)
{
	int index = (int)if_nametoindex(name), err = 0;
	struct ifaddrmsg ifa = { .ifa_family = AF_INET,
				 .ifa_prefixlen = 24,
				 .ifa_index = (unsigned)index };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = index,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };

	if (index == 0)
		die(errno, "if_nametoindex(\"%s\")", name);
	if (addr) {
		rt_begin(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
		rt_add(IFA_LOCAL, addr, sizeof *addr);
		rt_add(IFA_ADDRESS, addr, sizeof *addr);
		if ((err = rt_send()))
			die(-err, "RTM_NEWADDR %s/24 on %s", inet_ntoa(*addr), name);
	}
	rt_begin(RTM_NEWLINK, 0, &ifi, sizeof ifi);
	if ((err = rt_send()))
		die(-err, "RTM_NEWLINK IFF_UP on %s", name);
}

static void on_link(const struct nlmsghdr *h, void *up)
{
	struct rtattr *a = IFLA_RTA(NLMSG_DATA(h));
	int left = (int)IFLA_PAYLOAD(h);

	for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == IFLA_OPERSTATE)
			*(bool *)up = *(unsigned char *)RTA_DATA(a) == 6; /* IF_OPER_UP, RFC 2863 */
}

/* IFF_UP only asks for a link to be up; the kernel's link watcher turns
 * its carrier on a moment later, and until then drops what is sent.  Ask
 * for link NAME's operstate every 10 ms, for 3 seconds at most. */
void rt_wait_up(const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex(name) };
	bool up = false;
	int err = 0;

	for (int i = 0; i < 300 && !up && !err; i++) {
		rt_begin(RTM_GETLINK, 0, &ifi, sizeof ifi);
		if (!(err = rt_talk(on_link, &up)) && !up)
			poll(NULL, 0, 10);
	}
	if (!up)
		die(err ? -err : ETIMEDOUT, "waiting for %s to be operationally UP", name);
}

/* ---- /proc ---------------------------------------------------------------- */

/* Which of PID's namespaces differ from ours, and which are the same:
 * /proc/PID/ns/TYPE names one as "type:[inode]", and two processes share
 * a namespace exactly when the inodes are equal.  Returns how many differ;
 * *KNOWN is how many types this kernel has (no "time" before Linux 5.6). */
int compare_namespaces(pid_t pid, char *differ, char *same, size_t len, int *known)
{
	static const char *const types[] = { "cgroup", "ipc",  "mnt",  "net",
					     "pid",    "time", "user", "uts" };
	char path[64], ours[64], theirs[64];
	int n = 0;

	*differ = *same = '\0';
	*known = 0;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		ssize_t a, b;
		char *into;

		snprintf(path, sizeof path, "/proc/self/ns/%s", types[i]);
		if ((a = readlink(path, ours, sizeof ours - 1)) < 0 && errno == ENOENT)
			continue; /* a type this kernel does not have: no row */
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, types[i]);
		b = readlink(path, theirs, sizeof theirs - 1);
		if (a < 0 || b < 0)
			die(errno, "readlink(\"%s\")", path);
		into = a != b || memcmp(ours, theirs, (size_t)a) ? differ : same;
		n += into == differ;
		++*known;
		snprintf(into + strlen(into), len - strlen(into), "%s%s", *into ? " " : "",
			 types[i]);
	}
	return n;
}

/* --hold: what to try from a second terminal, the child's PID filled in. */
void hold_container(pid_t child, const struct in_addr *ctr)
{
	char cmd[4][96];

	snprintf(cmd[0], sizeof cmd[0], "sudo lsns -p %d", (int)child);
	snprintf(cmd[1], sizeof cmd[1], "sudo nsenter -t %d -a ps -o pid,comm", (int)child);
	snprintf(cmd[2], sizeof cmd[2], "sudo cat /proc/%d/cgroup /proc/%d/uid_map", (int)child,
		 (int)child);
	snprintf(cmd[3], sizeof cmd[3], "ping -c 1 %s", ctr ? inet_ntoa(*ctr) : "");
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], ctr ? cmd[3] : NULL, NULL });
}
