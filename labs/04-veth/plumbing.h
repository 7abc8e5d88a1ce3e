/* plumbing.h - Lab 04's plumbing, not the lesson (veth_demo.c is): its
 * command line, the dumps that list links, addresses and routes, the UDP
 * echo across the cable, and what --hold suggests trying. */
#ifndef LAB04_PLUMBING_H
#define LAB04_PLUMBING_H
#include "../common/nslab.h"

#include <netinet/in.h>
#include <stddef.h>

/* The options into OPTS; the subnet's .1 and .2 into HOST_IP and NS_IP;
 * the names of the ends (IFNAMSIZ bytes each) into HOST_IF and NS_IF. */
void parse_args(int argc, char **argv, struct demo_opts *opts, struct in_addr *host_ip,
		struct in_addr *ns_ip, char *host_if, char *ns_if);

/* Print the links of FD's namespace, like `ip -br link`: how many there
 * are; the first one's name into FIRST (SIZE bytes) unless it is NULL. */
int list_links(int fd, const char *where, char *first, size_t size);
/* Print its IPv4 addresses and main-table routes (`ip addr`, `ip route`). */
void list_addrs_routes(int fd, const char *where);

/* Bind UDP socket FD to ADDR (the kernel picks the port) and pin it with
 * SO_BINDTODEVICE to link IFNAME, so that no datagram can take another
 * way; it waits 2 s at most for one.  Returns the address it is bound to. */
struct sockaddr_in udp_bind(int fd, const char *ifname, struct in_addr addr);
/* A datagram from socket A to TO, where socket B receives it and sends it
 * back to where it came from; returns the round trip in ms. */
double udp_echo(int a, int b, struct sockaddr_in to);

/* --hold: what to try from a second terminal, then hold(). */
void hold_commands(pid_t child, const char *host_if, const char *ns_ip);
#endif
