/*
 * plumbing.c - Lab 04's plumbing, not the lesson (veth_demo.c is, and
 * declares these functions where it uses them):
 *   - the command line;
 *   - rtnetlink without libmnl or libnl: laying a request out in memory,
 *     sending it, reading the kernel's answer, and the dumps that list
 *     links, addresses and routes (`ip` is a thin front end to the same
 *     messages);
 *   - the UDP sockets and datagrams of the echo across the cable.
 */
#include "../common/nslab.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/if.h> /* IF_OPER_UP as well as IFF_UP: not <net/if.h> */
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A.B.C.0/24, and nothing else, into the addresses of its .1 and .2. */
static void parse_subnet(const char *s, struct in_addr *host_ip, struct in_addr *ns_ip)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned char *b = (unsigned char *)&host_ip->s_addr;

	if (!slash || strcmp(slash, "/24") != 0 || (size_t)(slash - s) >= sizeof ip)
		usage_error("--subnet takes A.B.C.0/24, not '%s'", s);
	snprintf(ip, sizeof ip, "%.*s", (int)(slash - s), s);
	if (inet_pton(AF_INET, ip, host_ip) != 1 || b[3] != 0)
		usage_error("--subnet takes A.B.C.0/24, not '%s'", s);
	if (b[0] == 0 || b[0] == 127 || b[0] >= 224)
		usage_error("--subnet %s is not a usable unicast range (try 10.200.0.0/24)", s);
	*ns_ip = *host_ip;
	b[3] = 1;
	((unsigned char *)&ns_ip->s_addr)[3] = 2;
}

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
	parse_subnet("10.200.0.0/24", host_ip, ns_ip);
	snprintf(name, sizeof name, "nslab%d", (int)getpid()); /* the demo's own PID */
	parse_name(name, host_if, ns_if);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 's')
			parse_subnet(optarg, host_ip, ns_ip);
		else if (c == 'N')
			parse_name(optarg, host_if, ns_if);
		else
			demo_common_option(c, opts);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(opts);
}

/* ---- rtnetlink: a request, the kernel's answer ------------------------- */

/* The request being built: a netlink header, the fixed struct of its
 * family (struct ifinfomsg for links, struct ifaddrmsg for addresses),
 * then attributes (type, length, value), some nesting others.  One at a
 * time: the demo builds a request and sends it before the next. */
static union {
	struct nlmsghdr hdr;
	char buf[1024];
} req;
static uint32_t seq; /* each request's number, which its answers carry */

int rtnl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK }; /* port 0: the kernel picks */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* TYPE, FLAGS plus NLM_F_REQUEST | NLM_F_ACK (answer even a success),
 * and the family struct BODY. */
void nl_begin(int type, int flags, const void *body, size_t len)
{
	memset(&req, 0, sizeof req);
	req.hdr.nlmsg_len = NLMSG_LENGTH(len);
	req.hdr.nlmsg_type = (uint16_t)type;
	req.hdr.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	memcpy(NLMSG_DATA(&req.hdr), body, len);
}

struct rtattr *nl_attr(int type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(req.hdr.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(req.buf + at);

	/* The lab's requests are a few hundred bytes; running out of room
	 * would be a bug in the lab, so stop loudly. */
	if (at + RTA_SPACE(len) > sizeof req.buf)
		abort();
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	req.hdr.nlmsg_len = (uint32_t)(at + RTA_ALIGN(a->rta_len));
	return a;
}

struct rtattr *nl_str(int type, const char *s)
{
	return nl_attr(type, s, strlen(s) + 1);
}

/* NEST holds everything appended after it: its length says so. */
void nl_nest_end(struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(req.buf + req.hdr.nlmsg_len - (char *)nest);
}

typedef void (*rtnl_cb)(const struct nlmsghdr *h, void *arg);

/* Send the request on FD (it acts in the namespace FD was made in) and
 * read answers until the kernel's ACK or, for a dump, NLMSG_DONE,
 * passing the data messages to CB.  An answer counts only if it comes
 * from the kernel (port 0) and carries our number.  0 or -errno. */
/* Set when rtnl_talk() reads past a link-change notice (sequence number 0)
 * while it waits for its answer: rtnl_wait_up() must not wait for that one. */
static bool link_news;

static int rtnl_talk(int fd, rtnl_cb cb, void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t mine = req.hdr.nlmsg_seq = ++seq;

	if (sendto(fd, req.buf, req.hdr.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) <
	    0)
		return -errno;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);

		if (n < 0 && errno == EINTR)
			continue; /* the kernel answers anyway: read it */
		if (n < 0)
			return -errno;
		if (fromlen != sizeof from || from.nl_pid != 0)
			continue;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq == 0 && h->nlmsg_type == RTM_NEWLINK)
				link_news = true; /* a notice that came with the answer */
			if (h->nlmsg_seq != mine)
				continue; /* a notice, or an answer to an earlier question */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
					return -EBADMSG;
				return e->error; /* 0 is the ACK, else -errno */
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				/* A dump ends here; a negative int is its error. */
				const int *err = NLMSG_DATA(h);

				return h->nlmsg_len >= NLMSG_LENGTH(sizeof *err) && *err < 0 ? *err
											     : 0;
			}
			if (cb)
				cb(h, arg);
		}
	}
}

int rtnl_ask(int fd)
{
	return rtnl_talk(fd, NULL, NULL);
}

/* Walk the attributes after a family struct of BODY_LEN bytes, keeping
 * each known one in TB[type] (TB has MAX+1 entries). */
static void rtnl_parse(const struct nlmsghdr *h, size_t body_len, struct rtattr **tb, int max)
{
	const struct rtattr *a =
		(const void *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(body_len));
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(body_len);

	memset(tb, 0, sizeof *tb * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max)
			tb[a->rta_type] = (struct rtattr *)a;
}

struct onelink {
	int index;
	unsigned char operstate;
};

static void on_one_link(const struct nlmsghdr *h, void *arg)
{
	struct rtattr *tb[IFLA_MAX + 1];
	struct onelink *l = arg;

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	l->index = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
	rtnl_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	if (tb[IFLA_OPERSTATE])
		l->operstate = *(unsigned char *)RTA_DATA(tb[IFLA_OPERSTATE]);
}

/* RTM_GETLINK for one NAME in FD's namespace: 0 or -errno (-ENODEV: no
 * such link). */
static int get_link(int fd, const char *name, struct onelink *l)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	nl_begin(RTM_GETLINK, 0, &ifi, sizeof ifi);
	nl_str(IFLA_IFNAME, name);
	return rtnl_talk(fd, on_one_link, l);
}

/* The index of NAME in FD's namespace (an index means something in one
 * namespace only), or -errno. */
int rtnl_link_index(int fd, const char *name)
{
	struct onelink l = { 0 };
	int err = get_link(fd, name, &l);

	return err ? err : l.index;
}

/* Wait until link NAME of FD's namespace is operationally UP.  IFF_UP
 * only asks for it: the kernel's link watcher turns the carrier and the
 * queueing discipline on a moment later (up to a second later), and
 * drops what is sent before.  Joining the RTNLGRP_LINK group makes the
 * kernel send FD a message at every change of a link, so we look again
 * only then. */
void rtnl_wait_up(int fd, const char *name)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct onelink l = { 0 };
	int group = RTNLGRP_LINK, err, r;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
		die(errno, "setsockopt(NETLINK_ADD_MEMBERSHIP, RTNLGRP_LINK)");
	/* Joined first, asked second: a change after the answer is news.  A
	 * notice that arrived along with the answer was read (and set aside) by
	 * rtnl_talk(): then ask again at once instead of waiting for another. */
	for (;;) {
		link_news = false;
		if ((err = get_link(fd, name, &l)) || l.operstate == IF_OPER_UP)
			break;
		if (!link_news && (r = poll(&p, 1, 3000)) <= 0)
			die(r ? errno : ETIMEDOUT, "waiting 3 s for %s to be UP", name);
	}
	if (err)
		die(-err, "RTM_GETLINK %s", name);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof group) != 0)
		die(errno, "setsockopt(NETLINK_DROP_MEMBERSHIP, RTNLGRP_LINK)");
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
	static const char *const operstate[] = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
						 "TESTING", "DORMANT",	  "UP" };
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct linkmap *m = arg;
	struct rtattr *tb[IFLA_MAX + 1];
	unsigned char state = 0;
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
		note("%-16s %-8s %s", name, state < 7 ? operstate[state] : "?",
		     ifi->ifi_flags & IFF_UP ? "<UP>" : "<DOWN>");
}

static void dump_links(int fd, struct linkmap *m, const char *where)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int err;

	m->n = 0;
	nl_begin(RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi);
	if ((err = rtnl_talk(fd, on_link, m)))
		die(-err, "RTM_GETLINK dump (%s)", where);
}

/* Print FD's links, like `ip -br link`; returns how many there are and
 * copies the first one's name to FIRST. */
int rtnl_list_links(int fd, const char *where, char *first, size_t size)
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
	char ip[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN + 4];

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
	char ip[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN + 4] = "default",
							gw[INET_ADDRSTRLEN + 5] = "";

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

/* Print FD's IPv4 addresses and main-table routes (`ip addr`, `ip route`). */
void rtnl_list_addrs_routes(int fd, const char *where)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct rtmsg rt = { .rtm_family = AF_INET };
	struct linkmap m = { .print = false };
	int err;

	dump_links(fd, &m, where); /* to name the links by index */
	note("%s:", where);
	nl_begin(RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
	if ((err = rtnl_talk(fd, on_addr, &m)))
		die(-err, "RTM_GETADDR dump (%s)", where);
	nl_begin(RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof rt);
	if ((err = rtnl_talk(fd, on_route, &m)))
		die(-err, "RTM_GETROUTE dump (%s)", where);
}

/* ---- the UDP echo ------------------------------------------------------- */

/* Bind UDP socket FD to ADDR (the kernel picks the port) and pin it with
 * SO_BINDTODEVICE to link IFNAME, so that no datagram can take another
 * way; it waits 2 s at most for one.  Returns the address it is bound to. */
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

/* A datagram from socket A to TO, where socket B receives it and sends it
 * back to where it came from; returns the round trip in ms. */
double udp_echo(int a, int b, struct sockaddr_in to)
{
	struct sockaddr_in from;
	socklen_t len = sizeof from;
	struct timespec t0, t1;
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
