/* nstypes.h - the eight kinds of namespace, in one table for tools/nsinfo
 * and Labs 11 and 12: plumbing, not a lesson. */
#ifndef NSLAB_NSTYPES_H
#define NSLAB_NSTYPES_H

struct ns_type {
	const char *name;  /* as lsns and /proc/PID/ns/ name it: "uts" */
	int flag;	   /* the CLONE_NEW* flag that makes one */
	const char *limit; /* /proc/sys/user/max_LIMIT_namespaces */
};

enum { NS_TYPES = 8 };
/* In lsns's order: cgroup ipc mnt net pid time user uts. */
extern const struct ns_type ns_types[NS_TYPES];

/* The entry for NAME ("mnt"), or NULL. */
const struct ns_type *ns_type_named(const char *name);
#endif
