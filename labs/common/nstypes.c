/* nstypes.c - the table described in nstypes.h. */
#include "nstypes.h"

#include <sched.h>
#include <stddef.h>
#include <string.h>

/* CLONE_NEWTIME (Linux 5.6) shares its bit with clone()'s exit signal:
 * a time namespace is made with unshare(), for the children forked after. */
const struct ns_type ns_types[NS_TYPES] = {
	{ "cgroup", CLONE_NEWCGROUP, "cgroup" }, { "ipc", CLONE_NEWIPC, "ipc" },
	{ "mnt", CLONE_NEWNS, "mnt" },		 { "net", CLONE_NEWNET, "net" },
	{ "pid", CLONE_NEWPID, "pid" },		 { "time", CLONE_NEWTIME, "time" },
	{ "user", CLONE_NEWUSER, "user" },	 { "uts", CLONE_NEWUTS, "uts" },
};

const struct ns_type *ns_type_named(const char *name)
{
	for (int i = 0; i < NS_TYPES; i++)
		if (strcmp(ns_types[i].name, name) == 0)
			return &ns_types[i];
	return NULL;
}
