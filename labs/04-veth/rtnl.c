/*
 * rtnl.c - a minimal rtnetlink client (see rtnl.h).
 */
#include "rtnl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int rtnl_open(struct rtnl *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	r->seq = 0;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->fd < 0)
		return -errno;
	/* Port 0 lets the kernel choose our address. */
	if (bind(r->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int err = errno;

		close(r->fd);
		r->fd = -1;
		return -err;
	}
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void rtnl_req_init(struct rtnl_req *q, uint16_t type, uint16_t flags,
		   const void *body, size_t len)
{
	memset(q, 0, sizeof *q);
	q->hdr.nlmsg_len = NLMSG_LENGTH(len);
	q->hdr.nlmsg_type = type;
	q->hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	memcpy(NLMSG_DATA(&q->hdr), body, len);
}

struct rtattr *rtnl_attr(struct rtnl_req *q, uint16_t type, const void *data,
			 size_t len)
{
	size_t at = NLMSG_ALIGN(q->hdr.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(q->buf + at);

	/* The requests in this lab are a few hundred bytes; running out of
	 * room would be a bug in the lab, so stop loudly. */
	if (at + RTA_SPACE(len) > sizeof q->buf)
		abort();
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	q->hdr.nlmsg_len = (uint32_t)(at + RTA_ALIGN(a->rta_len));
	return a;
}

struct rtattr *rtnl_nest_begin(struct rtnl_req *q, uint16_t type)
{
	return rtnl_attr(q, type, NULL, 0);
}

void rtnl_nest_end(struct rtnl_req *q, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(q->buf + q->hdr.nlmsg_len - (char *)nest);
}

int rtnl_talk(struct rtnl *r, struct rtnl_req *q, rtnl_cb cb, void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t seq = ++r->seq;

	q->hdr.nlmsg_seq = seq;
	if (sendto(r->fd, q->buf, q->hdr.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof kernel) < 0)
		return -errno;

	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(r->fd, buf, sizeof buf, 0,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Only the kernel (port 0) may answer us. */
		if (fromlen != sizeof from || from.nl_pid != 0)
			continue;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue; /* an answer to someone else's question */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
					return -EBADMSG;
				return e->error; /* 0 is the ACK */
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				/* A dump ends here; a negative int is its error. */
				const int *err = NLMSG_DATA(h);

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof *err) && *err < 0)
					return *err;
				return 0;
			}
			if (cb)
				cb(h, arg);
		}
	}
}

void rtnl_parse(const struct nlmsghdr *h, size_t body_len, struct rtattr **tb,
		int max)
{
	const struct rtattr *a =
		(const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(body_len));
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(body_len);

	memset(tb, 0, sizeof *tb * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max)
			tb[a->rta_type] = (struct rtattr *)a;
}

void rtnl_parse_nested(const struct rtattr *nest, struct rtattr **tb, int max)
{
	const struct rtattr *a = RTA_DATA(nest);
	int len = (int)RTA_PAYLOAD(nest);

	memset(tb, 0, sizeof *tb * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max)
			tb[a->rta_type] = (struct rtattr *)a;
}
