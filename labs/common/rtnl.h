/* rtnl.h - rtnetlink without a library, for Labs 04 and 11: plumbing, not a
 * lesson (Lab 04 tells it).  A request is a netlink header, the fixed
 * struct of its family (struct ifinfomsg for a link, struct ifaddrmsg for
 * an address, struct rtmsg for a route), then attributes - type, length,
 * value - some nesting others.  One request is built at a time. */
#ifndef NSLAB_RTNL_H
#define NSLAB_RTNL_H
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stddef.h>

/* A NETLINK_ROUTE socket; it acts in the network namespace it was made in.
 * -1 and errno if it cannot be had. */
int rtnl_open(void);

/* Begin the request: TYPE, FLAGS plus NLM_F_REQUEST | NLM_F_ACK (answer
 * even a success), and the family struct BODY of LEN bytes. */
void rtnl_begin(int type, int flags, const void *body, size_t len);
/* Append an attribute; DATA NULL and LEN 0 open a nest, which holds every
 * attribute appended after it until rtnl_nest_end(). */
struct rtattr *rtnl_attr(int type, const void *data, size_t len);
struct rtattr *rtnl_str(int type, const char *s); /* with its '\0' */
/* IFLA_ADDRESS: a hardware address of our own for a new veth END (1 or
 * 2), locally administered and made from our PID.  One the kernel picks at
 * random, systemd-udevd replaces a moment later (MACAddressPolicy=
 * persistent, Ubuntu and Debian 13): under traffic, that loses packets. */
struct rtattr *rtnl_own_mac(int end);
void rtnl_nest_end(struct rtattr *nest);

/* Send the request on FD and read until the kernel's ACK or error, or a
 * dump's NLMSG_DONE, handing every other answer to the request to CB.
 * 0 or -errno. */
typedef void (*rtnl_cb)(const struct nlmsghdr *h, void *arg);
int rtnl_talk(int fd, rtnl_cb cb, void *arg);
int rtnl_ask(int fd); /* rtnl_talk() without a CB: a change, its ACK */
/* TYPE with NLM_F_DUMP: every object of a kind, one answer each, to CB. */
int rtnl_dump(int fd, int type, const void *body, size_t len, rtnl_cb cb, void *arg);
/* The attributes of answer H after its BODY_LEN-byte family struct, each
 * known one in TB[its type]; TB has MAX + 1 entries. */
void rtnl_parse(const struct nlmsghdr *h, size_t body_len, struct rtattr **tb, int max);

/* The index of link NAME in FD's namespace (an index means something in
 * one namespace only), or -errno: -ENODEV if there is no such link. */
int rtnl_link_index(int fd, const char *name);
/* Wait until link NAME is operationally UP (or die after 3 s of nothing). */
void rtnl_wait_up(int fd, const char *name);

/* Lab 04 writes these two out, as its lesson; Lab 11 takes them from here.
 * RTM_NEWADDR ADDR/24 on link NAME (unless ADDR is NULL), then RTM_NEWLINK
 * IFF_UP: `ip addr add` and `ip link set up`; the demo dies if refused. */
void rtnl_address_up(int fd, const char *name, const struct in_addr *addr);
int rtnl_delete_link(int fd, const char *name); /* RTM_DELLINK: 0 or -errno */
#endif
