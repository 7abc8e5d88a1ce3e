/*
 * plumbing.c - Lab 04's plumbing, not the lesson (veth_demo.c is); see
 * plumbing.h.  The rtnetlink requests themselves are built with
 * labs/common/rtnl.h, as `ip`, a thin front end to the same messages,
 * builds them with libmnl.
 */
#include "plumbing.h"
#include "../common/args.h"
#include "../common/rtnl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <linux/if.h> /* IF_OPER_UP as well as IFF_UP: not <net/if.h> */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the command line -------------------------------------------------- */

static const char usage[] =
	"Usage: veth_demo [OPTION]...\n"
	"Lab 04: build a veth pair with rtnetlink, move one end into a new network\n"
	"namespace, address both ends, send traffic across, and delete it again.\n\n"
	"      --subnet A.B.C.0/24  the link's subnet (default: 10.200.0.0/24);\n"
	"                           the host end gets .1, the namespace end .2\n"
	"      --name NAME          name the ends NAMEh and NAMEc (default: nslab<PID>);\n"
	"                           NAME starts with \"nslab\", at most 14 characters\n";

static void parse_name(const char *s, char *host_if, char *ns_if)
{
	/* A link name has at most IFNAMSIZ-1 = 15 bytes; 'h' or 'c' takes one. */
	if (strncmp(s, "nslab", 5) != 0 || strlen(s) > IFNAMSIZ - 2)
		usage_error("--name must start with \"nslab\" and have at most %d characters",
			    IFNAMSIZ - 2);
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			usage_error("--name may use letters, digits, '-' and '_' only");
	snprintf(host_if, IFNAMSIZ, "%sh", s);
	snprintf(ns_if, IFNAMSIZ, "%sc", s);
}

void parse_args(int argc, char **argv, struct demo_opts *opts, struct in_addr *host_ip,
		struct in_addr *ns_ip, char *host_if, char *ns_if)
{
	static const struct option longopts[] = { DEMO_COMMON_LONGOPTS,
						  { "subnet", required_argument, NULL, 's' },
						  { "name", required_argument, NULL, 'N' },
						  { 0 } };
	char name[IFNAMSIZ];
	int c;

	demo_begin("veth_demo", usage);
	parse_subnet("10.200.0.0/24", "10.200.0.0/24", host_ip, ns_ip);
	snprintf(name, sizeof name, "nslab%d", (int)getpid()); /* the demo's own PID */
	parse_name(name, host_if, ns_if);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 's')
			parse_subnet(optarg, "10.200.0.0/24", host_ip, ns_ip);
		else if (c == 'N')
			parse_name(optarg, host_if, ns_if);
		else
			demo_common_option(c, opts);
	}
	demo_check_opts(opts, argv[optind]);
}

/* ---- dumps: RTM_GET* with NLM_F_DUMP, one answer per object ------------ */

/* The links of one namespace, index to name, filled by a link dump. */
struct linkmap {
	int n;
	struct {
		int index;
		char name[IFNAMSIZ];
	} l[64];
	bool print;
};

static const char *name_of(const struct linkmap *m, int index)
{
	for (int i = 0; i < m->n; i++)
		if (m->l[i].index == index)
			return m->l[i].name;
	return "?";
}

static void on_link(const struct nlmsghdr *h, void *arg)
{
	static const char *const operstate[] = {
		[IF_OPER_UNKNOWN] = "UNKNOWN", [IF_OPER_NOTPRESENT] = "NOTPRESENT",
		[IF_OPER_DOWN] = "DOWN",       [IF_OPER_LOWERLAYERDOWN] = "LOWERLAYERDOWN",
		[IF_OPER_TESTING] = "TESTING", [IF_OPER_DORMANT] = "DORMANT",
		[IF_OPER_UP] = "UP",
	};
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct linkmap *m = arg;
	struct rtattr *tb[IFLA_MAX + 1];
	unsigned char state = IF_OPER_UNKNOWN;
	char name[IFNAMSIZ];

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	rtnl_parse(h, sizeof *ifi, tb, IFLA_MAX);
	if (!tb[IFLA_IFNAME])
		return;
	snprintf(name, sizeof name, "%s", (char *)RTA_DATA(tb[IFLA_IFNAME]));
	if (tb[IFLA_OPERSTATE])
		state = *(unsigned char *)RTA_DATA(tb[IFLA_OPERSTATE]);
	if (m->n < (int)(sizeof m->l / sizeof m->l[0])) {
		m->l[m->n].index = ifi->ifi_index;
		memcpy(m->l[m->n].name, name, sizeof name);
		m->n++;
	}
	if (m->print)
		note("%-16s %-8s %s", name,
		     state < sizeof operstate / sizeof *operstate ? operstate[state] : "?",
		     ifi->ifi_flags & IFF_UP ? "<UP>" : "<DOWN>");
}

static void dump_links(int fd, struct linkmap *m, const char *where)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int err;

	m->n = 0;
	if ((err = rtnl_dump(fd, RTM_GETLINK, &ifi, sizeof ifi, on_link, m)))
		die(-err, "RTM_GETLINK dump (%s)", where);
}

int list_links(int fd, const char *where, char *first, size_t size)
{
	struct linkmap m = { .print = true };

	dump_links(fd, &m, where);
	if (first)
		snprintf(first, size, "%s", m.n ? m.l[0].name : "none");
	return m.n;
}

static void on_addr(const struct nlmsghdr *h, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct rtattr *tb[IFA_MAX + 1];
	char ip[INET_ADDRSTRLEN];
	char addr[INET_ADDRSTRLEN + 4];

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return;
	rtnl_parse(h, sizeof *ifa, tb, IFA_MAX);
	if (!tb[IFA_LOCAL])
		return;
	snprintf(addr, sizeof addr, "%s/%d",
		 inet_ntop(AF_INET, RTA_DATA(tb[IFA_LOCAL]), ip, sizeof ip), ifa->ifa_prefixlen);
	/* The name last: its length varies with the PID in it. */
	note("  addr  %-18s dev %s", addr, name_of(arg, (int)ifa->ifa_index));
}

static void on_route(const struct nlmsghdr *h, void *arg)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	struct rtattr *tb[RTA_MAX + 1];
	char ip[INET_ADDRSTRLEN];
	char dst[INET_ADDRSTRLEN + 4] = "default";
	char gw[INET_ADDRSTRLEN + 5] = "";

	if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET ||
	    rt->rtm_table != RT_TABLE_MAIN)
		return;
	rtnl_parse(h, sizeof *rt, tb, RTA_MAX);
	if (tb[RTA_DST])
		snprintf(dst, sizeof dst, "%s/%d",
			 inet_ntop(AF_INET, RTA_DATA(tb[RTA_DST]), ip, sizeof ip), rt->rtm_dst_len);
	if (tb[RTA_GATEWAY])
		snprintf(gw, sizeof gw, "via %s",
			 inet_ntop(AF_INET, RTA_DATA(tb[RTA_GATEWAY]), ip, sizeof ip));
	note("  route %-18s %s%sdev %s", dst, gw, *gw ? " " : "",
	     tb[RTA_OIF] ? name_of(arg, *(int *)RTA_DATA(tb[RTA_OIF])) : "?");
}

void list_addrs_routes(int fd, const char *where)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct rtmsg rt = { .rtm_family = AF_INET };
	struct linkmap m = { .print = false };
	int err;

	dump_links(fd, &m, where); /* to name the links by index */
	note("%s:", where);
	if ((err = rtnl_dump(fd, RTM_GETADDR, &ifa, sizeof ifa, on_addr, &m)))
		die(-err, "RTM_GETADDR dump (%s)", where);
	if ((err = rtnl_dump(fd, RTM_GETROUTE, &rt, sizeof rt, on_route, &m)))
		die(-err, "RTM_GETROUTE dump (%s)", where);
}

/* ---- the UDP echo ------------------------------------------------------- */

struct sockaddr_in udp_bind(int fd, const char *ifname, struct in_addr addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = addr };
	struct timeval two_seconds = { .tv_sec = 2 };
	socklen_t len = sizeof sa;

	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0)
		die(errno, "setsockopt(SO_BINDTODEVICE, \"%s\")", ifname);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds) != 0)
		die(errno, "setsockopt(SO_RCVTIMEO)");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		die(errno, "bind(%s)", inet_ntoa(addr));
	return sa;
}

double udp_echo(int a, int b, struct sockaddr_in to)
{
	struct sockaddr_in from;
	socklen_t len = sizeof from;
	struct timespec t0;
	struct timespec t1;
	char buf[16];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = EMSGSIZE; /* a datagram of another size fails without setting errno */
	if (sendto(a, "ping", 4, 0, (struct sockaddr *)&to, sizeof to) != 4 ||
	    recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) != 4 ||
	    sendto(b, buf, 4, 0, (struct sockaddr *)&from, len) != 4 ||
	    recv(a, buf, sizeof buf, 0) != 4)
		die(errno == EAGAIN ? ETIMEDOUT : errno, "UDP echo with %s (2 s at most)",
		    inet_ntoa(to.sin_addr));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

void hold_commands(pid_t child, const char *host_if, const char *ns_ip)
{
	char cmd[4][80];

	snprintf(cmd[0], sizeof cmd[0], "sudo ip -br addr show dev %s", host_if);
	snprintf(cmd[1], sizeof cmd[1], "sudo nsenter -t %d -n ip -br addr", (int)child);
	snprintf(cmd[2], sizeof cmd[2], "sudo nsenter -t %d -n ip route", (int)child);
	snprintf(cmd[3], sizeof cmd[3], "sudo ping -c 3 -I %s %s", host_if, ns_ip);
	hold(child, (const char *const[]){ cmd[0], cmd[1], cmd[2], cmd[3], NULL });
}
