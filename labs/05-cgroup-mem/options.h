/* options.h - Lab 05's command line (options.c); not the lesson. */
#ifndef CGMEM_OPTIONS_H
#define CGMEM_OPTIONS_H
#include "../common/nslab.h"

/* --limit, --alloc, --step, --parent and the options every lab has. */
void parse_args(int argc, char **argv, struct demo_opts *o, unsigned long long *limit,
		unsigned long long *alloc, unsigned long long *chunk, const char **parent);
#endif
