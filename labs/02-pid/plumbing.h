/* plumbing.h - Lab 02's plumbing (plumbing.c): the help text, parsing
 * --nest and reading /proc files; not the lesson. */
#ifndef PID_PLUMBING_H
#define PID_PLUMBING_H
#include "../common/nslab.h"

#include <stddef.h>

extern const char usage[];
int parse_nest(const char *arg, int max);	   /* 1 to MAX, or a usage error */
bool read_nspid(pid_t pid, char *buf, size_t len); /* its NSpid: line */
bool read_comm(pid_t pid, char *buf, size_t len);  /* its command name */
int count_proc_pids(void);			   /* the numbers in /proc */
pid_t descendant(pid_t pid, int generations);	   /* 0 if none */
#endif
