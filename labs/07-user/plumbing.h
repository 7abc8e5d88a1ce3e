/* plumbing.h - Lab 07's plumbing (plumbing.c): the command line,
 * reading /proc, and refused(), which says why the kernel said no; not the
 * lesson. */
#ifndef USER_PLUMBING_H
#define USER_PLUMBING_H
#include "../common/nslab.h"

#include <limits.h>
#include <stdnoreturn.h>
#include <sys/types.h>

void parse_args(int argc, char **argv, struct demo_opts *opts, const char **hostname);
const char *errname(int err);
bool squeezed_line(const char *path, char *buf, size_t len);
bool status_field(pid_t pid, const char *key, char *buf, size_t len);
const char *capability_words(const char *capeff_mask);
noreturn void refused(int err, const char *call);
#endif
