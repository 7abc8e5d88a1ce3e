/* options.h - Lab 01's command line (options.c); not the lesson. */
#ifndef UTS_OPTIONS_H
#define UTS_OPTIONS_H
#include "../common/nslab.h"

/* --hostname, --domainname and the options every lab has. */
void parse_args(int argc, char **argv, struct demo_opts *opts, const char **hostname,
		const char **domainname);
#endif
