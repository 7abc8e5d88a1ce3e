/* plumbing.h - Lab 07's plumbing (plumbing.c): the command line, words
 * for a capability mask, refused(), which says why the kernel said no, and
 * the --hold commands; not the lesson. */
#ifndef USER_PLUMBING_H
#define USER_PLUMBING_H
#include "../common/nslab.h"

#include <limits.h>
#include <stdnoreturn.h>
#include <sys/types.h>

void parse_args(int argc, char **argv, struct demo_opts *opts, const char **hostname);
const char *errname(int err);
const char *capability_words(const char *capeff_mask);
noreturn void refused(int err, const char *call);
/* --hold: wait, showing the commands that look at CHILD (SUDO: "sudo " or ""). */
void hold_commands(pid_t child, const char *sudo);
#endif
