/* rtnl.c - the rtnetlink plumbing described in rtnl.h. */
#include "rtnl.h"
#include "nslab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h> /* IF_OPER_UP as well as IFF_UP: not <net/if.h> */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The request being built. */
static union {
	struct nlmsghdr hdr;
	char buf[1024];
} req;
static uint32_t seq; /* each request's number, which its answers carry */

/* Set when rtnl_talk() reads past a link-change notice (sequence number 0)
 * while it waits for its answer: rtnl_wait_up() must not wait for that one. */
static bool link_news;

int rtnl_open(void)
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

void rtnl_begin(int type, int flags, const void *body, size_t len)
{
	memset(&req, 0, sizeof req);
	req.hdr.nlmsg_len = NLMSG_LENGTH(len);
	req.hdr.nlmsg_type = (uint16_t)type;
	req.hdr.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	memcpy(NLMSG_DATA(&req.hdr), body, len);
}

struct rtattr *rtnl_attr(int type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(req.hdr.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(req.buf + at);

	/* The labs' requests are a few hundred bytes; running out of room
	 * would be a bug in a lab, so stop loudly. */
	if (at + RTA_SPACE(len) > sizeof req.buf)
		abort();
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	req.hdr.nlmsg_len = (uint32_t)(at + RTA_ALIGN(a->rta_len));
	return a;
}

struct rtattr *rtnl_str(int type, const char *s)
{
	return rtnl_attr(type, s, strlen(s) + 1);
}

struct rtattr *rtnl_own_mac(int end)
{
	unsigned pid = (unsigned)getpid(); /* below 2^22: three bytes */
	unsigned char mac[6] = { 0x02,
				 0x6e,
				 (unsigned char)(pid >> 16),
				 (unsigned char)(pid >> 8),
				 (unsigned char)pid,
				 (unsigned char)end };

	return rtnl_attr(IFLA_ADDRESS, mac, sizeof mac);
}

void rtnl_nest_end(struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(req.buf + req.hdr.nlmsg_len - (char *)nest);
}

/* The number in a NLMSG_ERROR answer (0: the ACK), or at a dump's
 * NLMSG_DONE (negative: the dump's error). */
static int answer_error(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	const int *done = NLMSG_DATA(h);

	if (h->nlmsg_type == NLMSG_ERROR)
		return h->nlmsg_len < NLMSG_LENGTH(sizeof *e) ? -EBADMSG : e->error;
	return h->nlmsg_len >= NLMSG_LENGTH(sizeof *done) && *done < 0 ? *done : 0;
}

/* An answer counts only if it comes from the kernel (port 0) and carries
 * the request's number; the rest are notices, or late answers. */
int rtnl_talk(int fd, rtnl_cb cb, void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t mine = ++seq;

	req.hdr.nlmsg_seq = mine;
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
				continue;
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE)
				return answer_error(h);
			if (cb)
				cb(h, arg);
		}
	}
}

int rtnl_ask(int fd)
{
	return rtnl_talk(fd, NULL, NULL);
}

int rtnl_dump(int fd, int type, const void *body, size_t len, rtnl_cb cb, void *arg)
{
	rtnl_begin(type, NLM_F_DUMP, body, len);
	return rtnl_talk(fd, cb, arg);
}

void rtnl_parse(const struct nlmsghdr *h, size_t body_len, struct rtattr **tb, int max)
{
	const struct rtattr *a =
		(const void *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(body_len));
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(body_len);

	memset(tb, 0, sizeof *tb * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max)
			tb[a->rta_type] = (struct rtattr *)a;
}

struct one_link {
	int index;
	unsigned char operstate; /* RFC 2863's: IF_OPER_UP, IF_OPER_DOWN... */
};

static void on_one_link(const struct nlmsghdr *h, void *arg)
{
	struct rtattr *tb[IFLA_MAX + 1];
	struct one_link *l = arg;

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	l->index = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
	rtnl_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	if (tb[IFLA_OPERSTATE])
		l->operstate = *(unsigned char *)RTA_DATA(tb[IFLA_OPERSTATE]);
}

/* RTM_GETLINK for one link, by its NAME: 0 or -errno. */
static int get_link(int fd, const char *name, struct one_link *l)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	rtnl_begin(RTM_GETLINK, 0, &ifi, sizeof ifi);
	rtnl_str(IFLA_IFNAME, name);
	return rtnl_talk(fd, on_one_link, l);
}

int rtnl_link_index(int fd, const char *name)
{
	struct one_link l = { 0 };
	int err = get_link(fd, name, &l);

	return err ? err : l.index;
}

/* IFF_UP only asks for a link to be up: the carrier comes on at once, but
 * the kernel's link watcher turns the operational state and the queueing
 * discipline on a moment later (up to a second), and drops what is sent
 * before.  Joining the RTNLGRP_LINK group
 * makes the kernel send FD a message at every change of a link, so we look
 * again only then. */
void rtnl_wait_up(int fd, const char *name)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct one_link l = { 0 };
	int group = RTNLGRP_LINK;
	int err;
	int r;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
		die(errno, "setsockopt(NETLINK_ADD_MEMBERSHIP, RTNLGRP_LINK)");
	/* Joined first, asked second: a change after the answer is news.  A
	 * notice that arrived along with the answer was read (and set aside) by
	 * rtnl_talk(): then ask again at once instead of waiting for another. */
	for (;;) {
		link_news = false;
		err = get_link(fd, name, &l);
		if (err || l.operstate == IF_OPER_UP)
			break;
		if (!link_news && (r = poll(&p, 1, 3000)) <= 0)
			die(r ? errno : ETIMEDOUT, "waiting 3 s for %s to be UP", name);
	}
	if (err)
		die(-err, "RTM_GETLINK %s", name);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof group) != 0)
		die(errno, "setsockopt(NETLINK_DROP_MEMBERSHIP, RTNLGRP_LINK)");
}

void rtnl_address_up(int fd, const char *name, const struct in_addr *addr)
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
		die(-err, "RTM_NEWLINK IFF_UP on %s", name);
}

int rtnl_delete_link(int fd, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	rtnl_begin(RTM_DELLINK, 0, &ifi, sizeof ifi);
	rtnl_str(IFLA_IFNAME, name);
	return rtnl_ask(fd);
}
