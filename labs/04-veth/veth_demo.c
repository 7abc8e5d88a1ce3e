/*
 * veth_demo.c - Lab 04: two network stacks joined by a virtual cable.
 *
 * A network namespace has its own interfaces, addresses, routes and
 * ports.  A new one holds only a loopback device, switched off.  A veth
 * pair is a virtual Ethernet cable: what goes in one end comes out of
 * the other, and the two ends may live in different namespaces.  That
 * is how a container's eth0 reaches the host.
 *
 * `ip link add veth0 type veth peer name veth1` is where the notes
 * stop.  This lab finishes the experiment with rtnetlink messages sent
 * straight to the kernel (rtnl.c), the same ones `ip` sends:
 *
 *   1. RTM_GETLINK (dump) lists the host's interfaces;
 *   2. clone(CLONE_NEWNET) a child that only waits - it anchors the new
 *      namespace - and list its interfaces: just lo, down;
 *   3. RTM_NEWLINK creates the pair nslab<PID>h / nslab<PID>c;
 *   4. RTM_NEWLINK with IFLA_NET_NS_PID moves the "c" end into the child;
 *   5. RTM_NEWADDR gives each end an address; RTM_NEWLINK sets them
 *      (and the child's lo) up;
 *   6. a UDP echo crosses the cable both ways, each socket pinned to its
 *      veth end with SO_BINDTODEVICE, and the round trip is timed;
 *   7. RTM_GETADDR and RTM_GETROUTE show that each side has its own
 *      addresses and routing table;
 *   8. RTM_DELLINK deletes the host end - and its peer disappears too.
 *
 * The parent does the work on both sides: a socket belongs to the
 * network namespace it was created in, so after a brief setns() into the
 * child's namespace the parent holds sockets that act there.
 */
#include "../common/nslab.h"
#include "rtnl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ECHO_TIMEOUT_MS = 2000 };

static const char usage[] =
	"Usage: veth_demo [OPTION]...\n"
	"Lab 04: build a veth pair with rtnetlink, move one end into a new network\n"
	"namespace, address both ends, send traffic across, and delete it again.\n"
	"\n"
	"      --subnet A.B.C.0/24  the link's subnet (default: 10.200.0.0/24);\n"
	"                           the host end gets .1, the namespace end .2\n"
	"      --name NAME          name the ends NAMEh and NAMEc (default: nslab<PID>);\n"
	"                           NAME starts with \"nslab\", at most 14 characters\n";

static struct {
	struct demo_opts o;
	struct in_addr host_ip, ctr_ip;   /* .1 and .2 of the subnet       */
	char host_str[INET_ADDRSTRLEN], ctr_str[INET_ADDRSTRLEN];
	char subnet[INET_ADDRSTRLEN + 3];
	char host_if[IFNAMSIZ], ctr_if[IFNAMSIZ];
	struct rtnl host, ctr;            /* netlink in each namespace     */
	int host_udp, ctr_udp;            /* UDP sockets in each namespace */
	pid_t child;
	bool pair_exists;                 /* we created it, not yet deleted */
	bool moved;                       /* the "c" end is in the child    */
	struct sync_pipe done;            /* parent -> child: "exit now"    */
} lab = { .host_udp = -1, .ctr_udp = -1, .host = { .fd = -1 }, .ctr = { .fd = -1 } };

/* ---- options --------------------------------------------------------- */

static void parse_subnet(const char *s)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr net;
	unsigned char *b = (unsigned char *)&net.s_addr;

	if (!slash || strcmp(slash, "/24") != 0 || (size_t)(slash - s) >= sizeof ip)
		usage_error("--subnet takes A.B.C.0/24, not '%s'", s);
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (inet_pton(AF_INET, ip, &net) != 1 || b[3] != 0)
		usage_error("--subnet takes A.B.C.0/24, not '%s'", s);
	if (b[0] == 0 || b[0] == 127 || b[0] >= 224)
		usage_error("--subnet %s is not a usable unicast range (try 10.200.0.0/24)", s);
	lab.host_ip = lab.ctr_ip = net;
	((unsigned char *)&lab.host_ip.s_addr)[3] = 1;
	((unsigned char *)&lab.ctr_ip.s_addr)[3] = 2;
	snprintf(lab.subnet, sizeof lab.subnet, "%s/24", ip);
	inet_ntop(AF_INET, &lab.host_ip, lab.host_str, sizeof lab.host_str);
	inet_ntop(AF_INET, &lab.ctr_ip, lab.ctr_str, sizeof lab.ctr_str);
}

static void parse_name(const char *s)
{
	size_t len = strlen(s);

	/* An interface name has at most IFNAMSIZ-1 = 15 bytes; the 'h' or
	 * 'c' suffix takes one. */
	if (strncmp(s, "nslab", 5) != 0 || len > IFNAMSIZ - 2)
		usage_error("--name must start with \"nslab\" and have at most %d characters",
			    IFNAMSIZ - 2);
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			usage_error("--name may use letters, digits, '-' and '_' only");
	snprintf(lab.host_if, sizeof lab.host_if, "%sh", s);
	snprintf(lab.ctr_if, sizeof lab.ctr_if, "%sc", s);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		DEMO_COMMON_LONGOPTS,
		{ "subnet", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'N' },
		{ 0 }
	};
	char base[IFNAMSIZ];
	int c;

	parse_subnet("10.200.0.0/24");
	snprintf(base, sizeof base, "nslab%d", (int)getpid());
	parse_name(base);
	while ((c = getopt_long(argc, argv, DEMO_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (demo_common_option(c, &lab.o))
			continue;
		if (c == 's')
			parse_subnet(optarg);
		else if (c == 'N')
			parse_name(optarg);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	demo_check_opts(&lab.o);
}

/* ---- cleanup: every exit path comes through here ------------------- */

static int link_index(struct rtnl *r, const char *name);
static int delete_link(struct rtnl *r, int index);

static void cleanup(void)
{
	if (lab.pair_exists) {
		/* Deleting either end deletes both.  Before step 4 both ends
		 * are on the host; after it, the host end is. */
		int idx = link_index(&lab.host, lab.host_if);

		if (idx > 0 && delete_link(&lab.host, idx) == 0)
			lab.pair_exists = false;
	}
	if (lab.child > 0) {
		kill(lab.child, SIGKILL);
		wait_child(lab.child, NULL);
		lab.child = 0;
	}
}

/* Between steps: a Ctrl-C or SIGTERM that arrived meanwhile ends the
 * demo here, with everything it made removed. */
static void checkpoint(void)
{
	int sig = signal_pending_term();

	if (!sig)
		return;
	cleanup();
	remove_pidfile(&lab.o);
	fprintf(stderr, "%s: interrupted by signal %d; removed what was created\n",
		nslab_prog, sig);
	exit(exit_code_for_signal(sig));
}

/* ---- netlink requests, one per kind of message ---------------------- */

static const char *operstate_name(unsigned char s)
{
	static const char *const names[] = { "UNKNOWN", "NOTPRESENT", "DOWN",
		"LOWERLAYERDOWN", "TESTING", "DORMANT", "UP" };

	return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

struct linkinfo {
	int index;
	char name[IFNAMSIZ];
};

/* A map from ifindex to name for one namespace, filled by a link dump. */
struct linkmap {
	int n;
	struct linkinfo l[64];
	bool print;
};

static void on_link(const struct nlmsghdr *h, void *arg)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct linkmap *m = arg;
	struct rtattr *tb[IFLA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	rtnl_parse(h, sizeof *ifi, tb, IFLA_MAX);
	if (!tb[IFLA_IFNAME])
		return;
	if (m->n < (int)(sizeof m->l / sizeof m->l[0])) {
		m->l[m->n].index = ifi->ifi_index;
		snprintf(m->l[m->n].name, IFNAMSIZ, "%s", (char *)RTA_DATA(tb[IFLA_IFNAME]));
		m->n++;
	}
	if (m->print)
		note("%-16s %-8s %s", (char *)RTA_DATA(tb[IFLA_IFNAME]),
		     tb[IFLA_OPERSTATE] ? operstate_name(*(unsigned char *)RTA_DATA(tb[IFLA_OPERSTATE])) : "?",
		     ifi->ifi_flags & IFF_UP ? "<UP>" : "<DOWN>");
}

static void dump_links(struct rtnl *r, struct linkmap *m, const char *where)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req q;
	int err;

	m->n = 0;
	rtnl_req_init(&q, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi);
	err = rtnl_talk(r, &q, on_link, m);
	if (err)
		die(-err, "RTM_GETLINK dump (%s)", where);
}

static const char *name_of(const struct linkmap *m, int index)
{
	for (int i = 0; i < m->n; i++)
		if (m->l[i].index == index)
			return m->l[i].name;
	return "?";
}

/* The index of NAME in R's namespace, or -errno (-ENODEV: no such link). */
static void on_one_link(const struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type == RTM_NEWLINK)
		*(int *)arg = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
}

static int link_index(struct rtnl *r, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_req q;
	int index = 0, err;

	rtnl_req_init(&q, RTM_GETLINK, 0, &ifi, sizeof ifi);
	rtnl_attr_str(&q, IFLA_IFNAME, name);
	err = rtnl_talk(r, &q, on_one_link, &index);
	return err ? err : index;
}

/* Step 3: RTM_NEWLINK, kind "veth", with the peer described inside
 * IFLA_INFO_DATA / VETH_INFO_PEER as an ifinfomsg plus its own name. */
static int create_veth_pair(struct rtnl *r, const char *name, const char *peer)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *linkinfo, *data, *peerinfo;
	struct rtnl_req q;

	rtnl_req_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
	rtnl_attr_str(&q, IFLA_IFNAME, name);
	linkinfo = rtnl_nest_begin(&q, IFLA_LINKINFO);
	rtnl_attr_str(&q, IFLA_INFO_KIND, "veth");
	data = rtnl_nest_begin(&q, IFLA_INFO_DATA);
	peerinfo = rtnl_nest_begin(&q, VETH_INFO_PEER);
	/* The peer's ifinfomsg sits at the start of VETH_INFO_PEER. */
	q.hdr.nlmsg_len += NLMSG_ALIGN(sizeof ifi);
	rtnl_attr_str(&q, IFLA_IFNAME, peer);
	rtnl_nest_end(&q, peerinfo);
	rtnl_nest_end(&q, data);
	rtnl_nest_end(&q, linkinfo);
	return rtnl_talk(r, &q, NULL, NULL);
}

/* Step 4: RTM_NEWLINK on an existing index with IFLA_NET_NS_PID. */
static int move_link(struct rtnl *r, int index, pid_t pid)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	struct rtnl_req q;

	rtnl_req_init(&q, RTM_NEWLINK, 0, &ifi, sizeof ifi);
	rtnl_attr_u32(&q, IFLA_NET_NS_PID, (uint32_t)pid);
	return rtnl_talk(r, &q, NULL, NULL);
}

/* Step 5: RTM_NEWADDR, IPv4 ADDR/24 on INDEX. */
static int add_address(struct rtnl *r, int index, struct in_addr addr)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_prefixlen = 24,
		.ifa_index = (unsigned)index,
	};
	struct rtnl_req q;

	rtnl_req_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	rtnl_attr(&q, IFA_LOCAL, &addr, sizeof addr);
	rtnl_attr(&q, IFA_ADDRESS, &addr, sizeof addr);
	return rtnl_talk(r, &q, NULL, NULL);
}

/* Step 5: RTM_NEWLINK with IFF_UP in both ifi_flags and ifi_change. */
static int set_up(struct rtnl *r, int index)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = index,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct rtnl_req q;

	rtnl_req_init(&q, RTM_NEWLINK, 0, &ifi, sizeof ifi);
	return rtnl_talk(r, &q, NULL, NULL);
}

/* Step 8: RTM_DELLINK. */
static int delete_link(struct rtnl *r, int index)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	struct rtnl_req q;

	rtnl_req_init(&q, RTM_DELLINK, 0, &ifi, sizeof ifi);
	return rtnl_talk(r, &q, NULL, NULL);
}

/* Step 7: print IPv4 addresses (RTM_GETADDR) and main-table routes
 * (RTM_GETROUTE) of one namespace. */
static void on_addr(const struct nlmsghdr *h, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct rtattr *tb[IFA_MAX + 1];
	char ip[INET_ADDRSTRLEN];

	if (h->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return;
	rtnl_parse(h, sizeof *ifa, tb, IFA_MAX);
	if (!tb[IFA_LOCAL])
		return;
	inet_ntop(AF_INET, RTA_DATA(tb[IFA_LOCAL]), ip, sizeof ip);
	note("  addr  %-16s %s/%d", name_of(arg, (int)ifa->ifa_index), ip,
	     ifa->ifa_prefixlen);
}

static void on_route(const struct nlmsghdr *h, void *arg)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	struct rtattr *tb[RTA_MAX + 1];
	char dst[INET_ADDRSTRLEN + 4] = "default", gw[INET_ADDRSTRLEN + 5] = "";

	if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_family != AF_INET ||
	    rt->rtm_table != RT_TABLE_MAIN)
		return;
	rtnl_parse(h, sizeof *rt, tb, RTA_MAX);
	if (tb[RTA_DST]) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, RTA_DATA(tb[RTA_DST]), ip, sizeof ip);
		snprintf(dst, sizeof dst, "%s/%d", ip, rt->rtm_dst_len);
	}
	if (tb[RTA_GATEWAY]) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, RTA_DATA(tb[RTA_GATEWAY]), ip, sizeof ip);
		snprintf(gw, sizeof gw, "via %s", ip);
	}
	note("  route %-18s %s dev %s", dst, gw,
	     tb[RTA_OIF] ? name_of(arg, *(int *)RTA_DATA(tb[RTA_OIF])) : "?");
}

static void show_addresses_and_routes(struct rtnl *r, const char *where)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	struct rtmsg rt = { .rtm_family = AF_INET };
	struct linkmap map = { .print = false };
	struct rtnl_req q;
	int err;

	dump_links(r, &map, where);
	note("%s:", where);
	rtnl_req_init(&q, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
	if ((err = rtnl_talk(r, &q, on_addr, &map)))
		die(-err, "RTM_GETADDR dump (%s)", where);
	rtnl_req_init(&q, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof rt);
	if ((err = rtnl_talk(r, &q, on_route, &map)))
		die(-err, "RTM_GETROUTE dump (%s)", where);
}

/* ---- the child: an anchor for the namespace ------------------------- */

static int child_main(void *arg)
{
	(void)arg;
	sync_close_write(&lab.done);
	/* Nothing to do but exist: as long as a process is in the
	 * namespace, the namespace (and the veth end in it) exists. */
	sync_wait(&lab.done);
	return 0;
}

/* ---- steps ------------------------------------------------------------ */

/* Step 2: sockets that act inside the child's namespace.  setns() into
 * it, create them, and setns() straight back. */
static void open_sockets_in_child(void)
{
	char path[64];
	int self, target, err;

	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)lab.child);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		die(errno, "open(\"/proc/self/ns/net\")");
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		die(errno, "open(\"%s\")", path);
	if (setns(target, CLONE_NEWNET) != 0)
		die(errno, "setns(%s, CLONE_NEWNET)", path);
	err = rtnl_open(&lab.ctr);
	lab.ctr_udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (lab.ctr_udp < 0 && !err)
		err = -errno;
	if (setns(self, CLONE_NEWNET) != 0)
		die(errno, "setns(/proc/self/ns/net, CLONE_NEWNET)");
	close(self);
	close(target);
	if (err)
		die(-err, "socket() inside the child's network namespace");
}

static void must(int err, const char *what)
{
	if (err)
		die(-err, "%s", what);
}

/* A UDP socket pinned to one veth end and address; returns its port. */
static int bind_udp(int fd, const char *ifname, struct in_addr addr)
{
	char ip[INET_ADDRSTRLEN];
	socklen_t len;

	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = addr };

	/* SO_BINDTODEVICE: this socket sends and receives only through
	 * IFNAME, so no packet can take another route. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname) + 1) != 0)
		die(errno, "setsockopt(SO_BINDTODEVICE, \"%s\")", ifname);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		die(errno, "bind(%s)", inet_ntop(AF_INET, &addr, ip, sizeof ip));
	len = sizeof sa;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		die(errno, "getsockname()");
	return ntohs(sa.sin_port);
}

static void recv_within(int fd, char *buf, size_t len, struct sockaddr_in *from,
			const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t fl = sizeof *from;
	int r = poll(&p, 1, ECHO_TIMEOUT_MS);

	if (r == 0)
		die(ETIMEDOUT, "waiting %d ms for the %s", ECHO_TIMEOUT_MS, what);
	if (r < 0 || recvfrom(fd, buf, len, 0, (struct sockaddr *)from, &fl) < 0)
		die(errno, "recvfrom() for the %s", what);
}

/* Send "ping" from A to B's port, echo it back from B, time the round. */
static double echo(int a, int b, struct in_addr b_ip, int b_port, const char *dir)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = b_ip,
				  .sin_port = htons((uint16_t)b_port) };
	struct sockaddr_in from;
	struct timespec t0, t1;
	char buf[64], what[96];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sendto(a, "nslab ping", 10, 0, (struct sockaddr *)&to, sizeof to) != 10)
		die(errno, "sendto() %s", dir);
	snprintf(what, sizeof what, "ping %s", dir);
	recv_within(b, buf, sizeof buf, &from, what);
	if (sendto(b, buf, 10, 0, (struct sockaddr *)&from, sizeof from) != 10)
		die(errno, "sendto() echo %s", dir);
	snprintf(what, sizeof what, "echo back %s", dir);
	recv_within(a, buf, sizeof buf, &from, what);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

static void prove_traffic(void)
{
	int host_port, ctr_port;
	double ms;

	lab.host_udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (lab.host_udp < 0)
		die(errno, "socket(AF_INET, SOCK_DGRAM)");
	host_port = bind_udp(lab.host_udp, lab.host_if, lab.host_ip);
	ctr_port = bind_udp(lab.ctr_udp, lab.ctr_if, lab.ctr_ip);

	step(6, "UDP echo across the pair, sockets bound with SO_BINDTODEVICE");
	ms = echo(lab.host_udp, lab.ctr_udp, lab.ctr_ip, ctr_port, "host -> namespace");
	note("host %s:%d -> namespace %s:%d and back: %.3f ms (includes ARP)",
	     lab.host_str, host_port, lab.ctr_str, ctr_port, ms);
	ms = echo(lab.ctr_udp, lab.host_udp, lab.host_ip, host_port, "namespace -> host");
	note("namespace -> host and back: %.3f ms", ms);
	result("traffic: crossed %s <-> %s both ways, round trip %.3f ms",
	       lab.host_if, lab.ctr_if, ms);
}

/* --shell: a shell that joins the child's network namespace with
 * setns(), as `nsenter -t PID -n` would.  The demo stays outside to
 * clean up when the shell exits. */
static int run_shell_inside(void)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	char path[64];
	pid_t pid;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)lab.child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(errno, "open(\"%s\")", path);
	note("starting %s in the namespace; try `ip -br addr`, `ping %s`, then `exit`",
	     sh, lab.host_str);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die(errno, "fork()");
	if (pid == 0) {
		signals_restore();
		if (setns(fd, CLONE_NEWNET) != 0)
			die(errno, "setns(%s, CLONE_NEWNET)", path);
		execl(sh, sh, (char *)NULL);
		die(errno, "execl(\"%s\")", sh);
	}
	close(fd);
	signals_shell_mode();
	return wait_child(pid, NULL);
}

int main(int argc, char **argv)
{
	struct linkmap map = { .print = true };
	int host_idx, ctr_idx, lo_idx, err, code, shell_code = 0, interrupted = 0;

	demo_begin("veth_demo", usage);
	parse_args(argc, argv);
	signals_block();
	on_die(cleanup);

	must(rtnl_open(&lab.host), "socket(AF_NETLINK, NETLINK_ROUTE)");
	step(1, "RTM_GETLINK dump: the host's interfaces (like `ip -br link`)");
	dump_links(&lab.host, &map, "host");

	sync_init(&lab.done);
	lab.child = clone_child(child_main, NULL, CLONE_NEWNET, "CLONE_NEWNET");
	sync_close_read(&lab.done);
	open_sockets_in_child();
	step(2, "clone(CLONE_NEWNET) -> child %d; RTM_GETLINK dump inside it:",
	     (int)lab.child);
	dump_links(&lab.ctr, &map, "namespace");
	result("namespace: a new network namespace has %d interface(s): %s", map.n,
	       map.n ? map.l[0].name : "none");
	checkpoint();

	err = create_veth_pair(&lab.host, lab.host_if, lab.ctr_if);
	if (err)
		die(-err, "RTM_NEWLINK (create veth %s + peer %s)", lab.host_if, lab.ctr_if);
	lab.pair_exists = true;
	step(3, "RTM_NEWLINK kind \"veth\" -> %s + peer %s, both on the host",
	     lab.host_if, lab.ctr_if);
	checkpoint();

	ctr_idx = link_index(&lab.host, lab.ctr_if);
	if (ctr_idx < 0)
		die(-ctr_idx, "RTM_GETLINK %s", lab.ctr_if);
	must(move_link(&lab.host, ctr_idx, lab.child), "RTM_NEWLINK IFLA_NET_NS_PID (move)");
	lab.moved = true;
	step(4, "RTM_NEWLINK %s IFLA_NET_NS_PID=%d: the peer moves into the namespace",
	     lab.ctr_if, (int)lab.child);
	checkpoint();

	host_idx = link_index(&lab.host, lab.host_if);
	ctr_idx = link_index(&lab.ctr, lab.ctr_if);
	lo_idx = link_index(&lab.ctr, "lo");
	if (host_idx < 0 || ctr_idx < 0 || lo_idx < 0)
		die(ENODEV, "RTM_GETLINK (finding %s, %s and lo)", lab.host_if, lab.ctr_if);
	must(add_address(&lab.host, host_idx, lab.host_ip), "RTM_NEWADDR (host end)");
	must(add_address(&lab.ctr, ctr_idx, lab.ctr_ip), "RTM_NEWADDR (namespace end)");
	must(set_up(&lab.host, host_idx), "RTM_NEWLINK IFF_UP (host end)");
	must(set_up(&lab.ctr, ctr_idx), "RTM_NEWLINK IFF_UP (namespace end)");
	must(set_up(&lab.ctr, lo_idx), "RTM_NEWLINK IFF_UP (namespace lo)");
	step(5, "RTM_NEWADDR %s/24 on %s, %s/24 on %s; RTM_NEWLINK IFF_UP on both and lo",
	     lab.host_str, lab.host_if, lab.ctr_str, lab.ctr_if);
	checkpoint();

	prove_traffic();
	checkpoint();

	step(7, "RTM_GETADDR and RTM_GETROUTE dumps on each side:");
	show_addresses_and_routes(&lab.host, "host");
	show_addresses_and_routes(&lab.ctr, "namespace");
	result("each side has its own addresses and routes (subnet %s)", lab.subnet);
	checkpoint();

	write_pidfile(&lab.o, lab.child);
	if (lab.o.hold) {
		char c1[64], c2[64], c3[64], c4[80];
		const char *cmds[] = { c1, c2, c3, c4, NULL };

		snprintf(c1, sizeof c1, "ip -br addr show dev %s", lab.host_if);
		snprintf(c2, sizeof c2, "nsenter -t %d -n ip -br addr", (int)lab.child);
		snprintf(c3, sizeof c3, "nsenter -t %d -n ip route", (int)lab.child);
		snprintf(c4, sizeof c4, "ping -c 3 -I %s %s", lab.host_if, lab.ctr_str);
		hold_until_signal(lab.child, cmds);
	}
	if (lab.o.shell)
		shell_code = run_shell_inside();
	checkpoint();

	must(delete_link(&lab.host, host_idx), "RTM_DELLINK (host end)");
	lab.pair_exists = false;
	step(8, "RTM_DELLINK %s; RTM_GETLINK for each end now answers:", lab.host_if);
	note("host:      %s -> %s", lab.host_if,
	     strerrorname_np(-link_index(&lab.host, lab.host_if)));
	note("namespace: %s -> %s", lab.ctr_if,
	     strerrorname_np(-link_index(&lab.ctr, lab.ctr_if)));
	if (link_index(&lab.host, lab.host_if) != -ENODEV ||
	    link_index(&lab.ctr, lab.ctr_if) != -ENODEV)
		die(EEXIST, "checking that both ends are gone");
	result("deleting one end of a veth pair removed both");

	sync_close_write(&lab.done);
	code = wait_child(lab.child, &interrupted);
	lab.child = 0;
	remove_pidfile(&lab.o);
	return lab.o.shell ? shell_code : code;
}
