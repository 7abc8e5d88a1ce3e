/*
 * rtnl.h - just enough rtnetlink for Lab 04.
 *
 * `ip link add ...` is a thin front end: it packs a request into a
 * netlink message, sends it to the kernel over an AF_NETLINK socket, and
 * reads the answer.  This helper does the same, without libmnl or libnl,
 * so that the lab can show every message it sends.
 *
 * A request is a netlink header, a fixed struct for its family
 * (struct ifinfomsg for links, struct ifaddrmsg for addresses) and a
 * list of attributes (type-length-value, struct rtattr), some of which
 * nest further attributes inside them.
 */
#ifndef RTNL_H
#define RTNL_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

/* A netlink socket talks to the network namespace it was created in. */
struct rtnl {
	int fd;
	uint32_t seq;
};

/* A request being built: header, family struct, attributes. */
struct rtnl_req {
	union {
		struct nlmsghdr hdr;
		char buf[4096];
	};
};

/* Open a NETLINK_ROUTE socket in the caller's current network namespace.
 * Returns 0 or -errno. */
int rtnl_open(struct rtnl *r);
void rtnl_close(struct rtnl *r);

/* Start a request of TYPE with FLAGS (NLM_F_REQUEST and NLM_F_ACK are
 * always added) and the family struct BODY of LEN bytes. */
void rtnl_req_init(struct rtnl_req *q, uint16_t type, uint16_t flags,
		   const void *body, size_t len);
/* Append an attribute; returns it (for nesting). */
struct rtattr *rtnl_attr(struct rtnl_req *q, uint16_t type, const void *data,
			 size_t len);
static inline struct rtattr *rtnl_attr_str(struct rtnl_req *q, uint16_t type,
					   const char *s);
static inline struct rtattr *rtnl_attr_u32(struct rtnl_req *q, uint16_t type,
					   uint32_t v);
/* Open a nested attribute; close it with rtnl_nest_end() once its
 * contents are appended, which fixes up its length. */
struct rtattr *rtnl_nest_begin(struct rtnl_req *q, uint16_t type);
void rtnl_nest_end(struct rtnl_req *q, struct rtattr *nest);

/* Called for each answer message that is not the final ACK/DONE. */
typedef void (*rtnl_cb)(const struct nlmsghdr *h, void *arg);

/* Send the request and read answers until the kernel's ACK (or, for a
 * dump, NLMSG_DONE), passing data messages to CB.  Each answer must
 * come from the kernel (port 0) and carry our sequence number.
 * Returns 0, or -errno from the kernel's NLMSG_ERROR. */
int rtnl_talk(struct rtnl *r, struct rtnl_req *q, rtnl_cb cb, void *arg);

/* Walk the attributes that follow a family struct of BODY_LEN bytes,
 * storing each known one in TB[type] (TB has MAX+1 entries). */
void rtnl_parse(const struct nlmsghdr *h, size_t body_len, struct rtattr **tb,
		int max);
/* The same for the attributes nested inside NEST. */
void rtnl_parse_nested(const struct rtattr *nest, struct rtattr **tb, int max);

static inline struct rtattr *rtnl_attr_str(struct rtnl_req *q, uint16_t type,
					   const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return rtnl_attr(q, type, s, n + 1);
}

static inline struct rtattr *rtnl_attr_u32(struct rtnl_req *q, uint16_t type,
					   uint32_t v)
{
	return rtnl_attr(q, type, &v, sizeof v);
}

#endif /* RTNL_H */
