/*
 * veth_demo.c - Lab 04: two network stacks joined by a virtual cable.
 *
 * A network namespace has its own interfaces, addresses, routes and
 * ports; a new one holds only a loopback device, switched off.  A veth
 * pair is a virtual Ethernet cable whose two ends may live in different
 * namespaces: that is how a container's eth0 reaches the host.  The
 * notes stop at `ip link add veth0 type veth peer name veth1`; this lab
 * does the whole experiment with the rtnetlink requests that `ip` sends,
 * built here attribute by attribute.  The steps are numbered as the
 * narration numbers them.
 *
 * The parent does the work on both sides: a socket acts in the network
 * namespace it was created in, so after a brief setns() into the child's
 * namespace the parent holds sockets that act there.
 */
#include "plumbing.h"
#include "../common/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct demo_opts opts;
static struct in_addr host_ip; /* .1 of the subnet */
static struct in_addr ns_ip;   /* .2 */
static char host_if[IFNAMSIZ]; /* nslab<demo's PID>h */
static char ns_if[IFNAMSIZ];   /* nslab<demo's PID>c */
static int host_nl = -1;       /* rtnetlink on the host */
static int ns_nl = -1;	       /* rtnetlink in the namespace */
static int ns_udp = -1;	       /* UDP in the namespace */
static pid_t child;
static bool pair_made;	/* by us, and not deleted yet */
static int to_child[2]; /* a byte: "become the shell"; EOF: "exit now" */
static char child_stack[1024 * 1024] __attribute__((aligned(16)));

/* Step 8, and the cleanup's: RTM_DELLINK, naming the host end.  A veth
 * end never outlives its peer, so this deletes both. */
static int delete_pair(void)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	rtnl_begin(RTM_DELLINK, 0, &ifi, sizeof ifi);
	rtnl_str(IFLA_IFNAME, host_if);
	return rtnl_ask(host_nl);
}

/* Every way out comes through here: the pair, the child, the pidfile. */
static void cleanup(void)
{
	if (pair_made && delete_pair() == 0)
		pair_made = false;
	end_child(); /* through its pidfd: never a reaped child's PID */
	remove_pidfile(&opts);
}

/* The child keeps the namespace alive: a namespace lasts while a process
 * (or an open socket or file) refers to it.  With --shell it becomes the
 * shell. */
static int child_main(void *shell)
{
	char byte;

	child_begin();
	close(to_child[1]); /* else our own copy would keep EOF from coming */
	if (read(to_child[0], &byte, 1) != 1)
		return 0; /* EOF: the demo is done */
	execl(shell, shell, (char *)NULL);
	die(errno, "execl(\"%s\")", (char *)shell);
}

/* Step 2: into the child's namespace with setns(), a netlink and a UDP
 * socket there, and straight back out. */
static void open_sockets_inside(void)
{
	char path[64];
	int self;
	int inside = -1;
	int err = 0;

	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)child);
	if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (inside = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die(errno, "open(\"%s\")", self < 0 ? "/proc/self/ns/net" : path);
	if (setns(inside, CLONE_NEWNET) != 0)
		die(errno, "setns(%s, CLONE_NEWNET)", path);
	if ((ns_nl = rtnl_open()) < 0 ||
	    (ns_udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		err = errno;
	if (setns(self, CLONE_NEWNET) != 0)
		die(errno, "setns(/proc/self/ns/net, CLONE_NEWNET)");
	close(self);
	close(inside);
	if (err)
		die(err, "socket() inside the child's network namespace");
}

/* Step 3: RTM_NEWLINK of kind "veth".  The peer is described inside the
 * request, by an ifinfomsg of its own and its name:
 *   IFLA_IFNAME host_if, IFLA_LINKINFO { IFLA_INFO_KIND "veth",
 *     IFLA_INFO_DATA { VETH_INFO_PEER { ifinfomsg, IFLA_IFNAME ns_if } } }
 * NLM_F_CREATE | NLM_F_EXCL: create it, or fail with EEXIST. */
static int create_veth_pair(void)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *linkinfo;
	struct rtattr *data;
	struct rtattr *peer;

	rtnl_begin(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
	rtnl_str(IFLA_IFNAME, host_if);
	rtnl_own_mac(1); /* else systemd-udevd may change it under step 6 */
	linkinfo = rtnl_attr(IFLA_LINKINFO, NULL, 0);
	rtnl_str(IFLA_INFO_KIND, "veth");
	data = rtnl_attr(IFLA_INFO_DATA, NULL, 0);
	peer = rtnl_attr(VETH_INFO_PEER, &ifi, sizeof ifi);
	rtnl_str(IFLA_IFNAME, ns_if);
	rtnl_own_mac(2);
	rtnl_nest_end(peer);
	rtnl_nest_end(data);
	rtnl_nest_end(linkinfo);
	return rtnl_ask(host_nl);
}

/* Step 4: RTM_NEWLINK naming an existing link, with IFLA_NET_NS_PID:
 * move it into the network namespace of process PID. */
static int move_link(const char *name, pid_t pid)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	uint32_t ns_pid = (uint32_t)pid;

	rtnl_begin(RTM_NEWLINK, 0, &ifi, sizeof ifi);
	rtnl_str(IFLA_IFNAME, name);
	rtnl_attr(IFLA_NET_NS_PID, &ns_pid, sizeof ns_pid);
	return rtnl_ask(host_nl);
}

/* Step 5: RTM_NEWADDR puts ADDR/24 on link NAME of FD's namespace (by its
 * index there), unless ADDR is NULL; then RTM_NEWLINK with IFF_UP in
 * ifi_change (what to change) and in ifi_flags (the new value) switches
 * the link on, like `ip link set NAME up`. */
static void address_and_up(int fd, const char *name, const struct in_addr *addr)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24 };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	int index = rtnl_link_index(fd, name);
	int err;

	if (index < 0)
		die(-index, "RTM_GETLINK %s", name);
	if (addr) {
		ifa.ifa_index = (unsigned)index;
		rtnl_begin(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
		rtnl_attr(IFA_LOCAL, addr, sizeof *addr);
		rtnl_attr(IFA_ADDRESS, addr, sizeof *addr);
		if ((err = rtnl_ask(fd)))
			die(-err, "RTM_NEWADDR %s/24 on %s", inet_ntoa(*addr), name);
	}
	rtnl_begin(RTM_NEWLINK, 0, &ifi, sizeof ifi);
	rtnl_str(IFLA_IFNAME, name);
	if ((err = rtnl_ask(fd)))
		die(-err, "RTM_NEWLINK IFF_UP (%s)", name);
}

int main(int argc, char **argv)
{
	const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
	char host_str[INET_ADDRSTRLEN];
	char ns_str[INET_ADDRSTRLEN];
	char first[IFNAMSIZ];
	struct in_addr net;
	struct sockaddr_in host_sa;
	struct sockaddr_in ns_sa;
	int err;
	int n;
	int status;
	int host_udp;
	double ms;

	parse_args(argc, argv, &opts, &host_ip, &ns_ip, host_if, ns_if);
	inet_ntop(AF_INET, &host_ip, host_str, sizeof host_str);
	inet_ntop(AF_INET, &ns_ip, ns_str, sizeof ns_str);
	on_die(cleanup);

	if ((host_nl = rtnl_open()) < 0)
		die(errno, "socket(AF_NETLINK, NETLINK_ROUTE)");
	step(1, "RTM_GETLINK dump: the host's interfaces (like `ip -br link`)");
	list_links(host_nl, "host", NULL, 0);

	if (pipe2(to_child, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	/* The child runs child_main() on its own stack (given by its top:
	 * stacks grow down) in a new network namespace; SIGCHLD will say
	 * when it ends. */
	child = clone(child_main, child_stack + sizeof child_stack, CLONE_NEWNET | SIGCHLD,
		      (void *)sh);
	if (child < 0)
		die(errno, "clone(CLONE_NEWNET)");
	watch_child(child);
	close(to_child[0]);
	open_sockets_inside();
	step(2, "clone(CLONE_NEWNET) -> child %d; RTM_GETLINK dump inside it:", (int)child);
	n = list_links(ns_nl, "namespace", first, sizeof first);
	result("namespace: a new network namespace has %d interface(s): %s", n, first);

	/* After Ctrl-C or SIGTERM (the child is dead then) every step below
	 * is skipped, and the demo goes straight to its cleanup. */
	if (!nslab_interrupted) {
		if ((err = create_veth_pair()))
			die(-err, "RTM_NEWLINK (create veth %s + peer %s)", host_if, ns_if);
		pair_made = true;
		step(3, "RTM_NEWLINK kind \"veth\" -> %s + peer %s, both on the host", host_if,
		     ns_if);
	}
	if (!nslab_interrupted) {
		if ((err = move_link(ns_if, child)))
			die(-err, "RTM_NEWLINK %s IFLA_NET_NS_PID=%d (move)", ns_if, (int)child);
		step(4, "RTM_NEWLINK %s IFLA_NET_NS_PID=%d: the peer moves into the namespace",
		     ns_if, (int)child);
	}
	if (!nslab_interrupted) {
		address_and_up(host_nl, host_if, &host_ip);
		address_and_up(ns_nl, ns_if, &ns_ip);
		address_and_up(ns_nl, "lo", NULL);
		step(5, "RTM_NEWADDR %s/24 on %s, %s/24 on %s; RTM_NEWLINK IFF_UP on both and lo",
		     host_str, host_if, ns_str, ns_if);
		rtnl_wait_up(host_nl, host_if);
		rtnl_wait_up(ns_nl, ns_if);
		note("both ends report operstate UP: the cable carries frames now");
	}
	if (!nslab_interrupted) {
		/* Each socket is pinned to its own end of the cable. */
		if ((host_udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
			die(errno, "socket(AF_INET, SOCK_DGRAM)");
		host_sa = udp_bind(host_udp, host_if, host_ip);
		ns_sa = udp_bind(ns_udp, ns_if, ns_ip);
		step(6, "UDP echo across the pair, sockets bound with SO_BINDTODEVICE");
		ms = udp_echo(host_udp, ns_udp, ns_sa);
		note("host %s:%d -> namespace %s:%d and back: %.3f ms (includes ARP)", host_str,
		     ntohs(host_sa.sin_port), ns_str, ntohs(ns_sa.sin_port), ms);
		ms = udp_echo(ns_udp, host_udp, host_sa);
		note("namespace -> host and back: %.3f ms", ms);
		result("traffic: crossed %s <-> %s both ways, round trip %.3f ms", host_if, ns_if,
		       ms);
	}
	if (!nslab_interrupted) {
		step(7, "RTM_GETADDR and RTM_GETROUTE dumps on each side:");
		list_addrs_routes(host_nl, "host");
		list_addrs_routes(ns_nl, "namespace");
		net.s_addr = host_ip.s_addr & htonl(0xffffff00);
		result("each side has its own addresses and routes (subnet %s/24)", inet_ntoa(net));
	}
	if (!nslab_interrupted) {
		write_pidfile(&opts, child);
		if (opts.hold)
			hold_commands(child, host_if, ns_str);
	}
	if (!nslab_interrupted && opts.shell) {
		note("starting %s in the namespace; try `ip -br addr`, `ping %s`, then `exit`", sh,
		     host_str);
		shell_owns_terminal();
		if (write(to_child[1], "x", 1) != 1) /* "become the shell" */
			warn_errno(errno, "write(sync pipe)");
	}
	close(to_child[1]); /* EOF: the child may end now (a shell ends by itself) */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)child);
	child = 0;

	/* Step 8.  The child is gone, but not its namespace: our sockets in it
	 * still refer to it, and so it keeps the veth end until we delete it. */
	if (!nslab_interrupted && pair_made) {
		if ((err = delete_pair()))
			die(-err, "RTM_DELLINK (host end)");
		pair_made = false;
		if (rtnl_link_index(host_nl, host_if) != -ENODEV ||
		    rtnl_link_index(ns_nl, ns_if) != -ENODEV)
			die(EEXIST, "checking that both ends are gone");
		step(8, "RTM_DELLINK %s; RTM_GETLINK for each end now answers:", host_if);
		note("host:      %s -> ENODEV", host_if);
		note("namespace: %s -> ENODEV", ns_if);
		result("deleting one end of a veth pair removed both");
	}
	cleanup();
	return demo_exit_code(status);
}
