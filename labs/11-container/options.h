/* options.h - Lab 11's command line and the settings it fills in:
 * plumbing, not the lesson (mini_container.c is). */
#ifndef LAB11_OPTIONS_H
#define LAB11_OPTIONS_H
#include "../common/nslab.h"

#include <limits.h>
#include <netinet/in.h>

extern const char *hostname;	      /* --hostname */
extern unsigned long long memory_max; /* --memory, in bytes */
extern long pids_max;		      /* --pids */
extern struct in_addr host_ip;	      /* .1 of --subnet: the host end */
extern struct in_addr ctr_ip;	      /* .2: eth0 inside */
extern bool no_net;		      /* --no-net */
extern bool rootless;		      /* --rootless */
extern char rootfs[PATH_MAX];	      /* --rootfs, or labs/rootfs */
extern char **command;		      /* COMMAND [ARG]..., or NULL for /bin/sh */

/* Every option into OPTS and the settings above; a usage error (exit 2)
 * for what cannot be. */
void parse_args(int argc, char **argv, struct demo_opts *opts);
#endif
