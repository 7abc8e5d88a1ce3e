/* cgroup_v1.h - the cgroup v1 dialect of Lab 05 (cgroup_v1.c): the same
 * steps in v1's words, for the `if (v1)` lines of cgroup_mem_demo.c. */
#ifndef CGMEM_V1_H
#define CGMEM_V1_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* The v1 name of a v2 file ("memory.max" -> "memory.limit_in_bytes"). */
const char *v1_name(const char *v2name);
/* Step 1 on v1: the memory hierarchy and our cgroup in it; WHY holds what
 * was found on v2 and gets the rest.  False if there is none either. */
bool v1_find(char mount[PATH_MAX], char parent[PATH_MAX], char *why, size_t whylen);
/* Step 3 on v1: memory + swap limited to LIMIT too. */
void v1_keep_swap_out(const char *cg, const char *limit);
#endif
