/* external.h - the figures of programs nsbench runs: a mini_container's
 * memory, and the boots of a VM by tools/vm-boot.  Not the lesson:
 * nsbench.c is. */
#ifndef NSBENCH_EXTERNAL_H
#define NSBENCH_EXTERNAL_H
#include "procs.h"

/* ARGV runs mini_container with a /bin/sleep ROUNDS times: the PSS, RSS and
 * cgroup memory of each run into S[0..2].  NULL, or why it could not. */
const char *container_memory(char *const argv[], samples *s, int rounds);

/* tools/vm-boot RUNS TIMEOUT: each boot's times and qemu's RSS into
 * S[0..2]; its last line ("accel kvm", "accel tcg WHY" or "skip WHY") into
 * SAID.  The number of boots. */
int vm_boots(int runs, int timeout, samples *s, char *said, size_t len);
#endif
