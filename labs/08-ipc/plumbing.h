/* plumbing.h - Lab 08's plumbing (plumbing.c): the command line, reading
 * /proc/sysvipc and /proc/meminfo, the --hold commands; not the lesson. */
#ifndef IPC_PLUMBING_H
#define IPC_PLUMBING_H
#include "../common/nslab.h"

#include <limits.h>
#include <stdnoreturn.h>
#include <sys/types.h>

void parse_args(int argc, char **argv, struct demo_opts *opts, key_t *key, unsigned *mib);
int sysvipc_count(const char *kind);
/* Shmem after it fell by FALL kB from FROM, or after 2 s, or a signal. */
long shmem_wait_fall(long from, long fall);
/* --hold: wait, showing the commands that look into CHILD's namespaces. */
void hold_commands(pid_t child, const char *mq_dir, const char *mq_name);
/* The kit's keys: 0x6e000000 + a PID (or --key). */
extern const key_t kit_key_base;
extern const unsigned kit_key_count;
/* EEXIST at step 1: most often another run of this demo holds the key. */
#define EEXIST_HINT                                                                        \
	"the key is taken - if another ipc_demo is running with it, end that one or "      \
	"give another --key; a leftover of a killed run goes with sudo tools/nslab-clean " \
	"--yes"
#endif
