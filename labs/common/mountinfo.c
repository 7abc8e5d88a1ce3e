/* mountinfo.c - the parser described in mountinfo.h. */
#include "mountinfo.h"
#include "nslab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Copy field FROM into TO (LEN bytes), undoing the kernel's octal escapes. */
static void unescape(char *to, size_t len, const char *from)
{
	size_t n = 0;

	while (*from && n + 1 < len) {
		if (from[0] == '\\' && from[1] >= '0' && from[1] <= '7' && from[2] && from[3]) {
			to[n++] =
				(char)strtol((char[]){ from[1], from[2], from[3], '\0' }, NULL, 8);
			from += 4;
		} else {
			to[n++] = *from++;
		}
	}
	to[n] = '\0';
}

bool mountinfo_next(FILE *f, struct mount_entry *m)
{
	char line[3 * PATH_MAX];
	char *field[32];
	char *save = NULL;
	int n = 0;
	int dash = -1;
	unsigned int major;
	unsigned int minor;

	if (!fgets(line, sizeof line, f))
		return false;
	line[strcspn(line, "\n")] = '\0';
	for (char *p = strtok_r(line, " ", &save); p && n < 32; p = strtok_r(NULL, " ", &save)) {
		if (dash < 0 && n >= 6 && strcmp(p, "-") == 0)
			dash = n;
		field[n++] = p;
	}
	if (dash < 0 || n < dash + 4) { /* a line we cannot read: an empty entry */
		memset(m, 0, sizeof *m);
		return true;
	}
	m->dev = sscanf(field[2], "%u:%u", &major, &minor) == 2 ? makedev(major, minor) : 0;
	unescape(m->root, sizeof m->root, field[3]);
	unescape(m->point, sizeof m->point, field[4]);
	m->propagation[0] = '\0';
	for (int i = 6; i < dash; i++) /* the optional fields, if any */
		snprintf(m->propagation + strlen(m->propagation),
			 sizeof m->propagation - strlen(m->propagation), "%s%s", i > 6 ? " " : "",
			 field[i]);
	if (dash == 6)
		snprintf(m->propagation, sizeof m->propagation, "private");
	snprintf(m->fstype, sizeof m->fstype, "%s", field[dash + 1]);
	unescape(m->source, sizeof m->source, field[dash + 2]);
	snprintf(m->super, sizeof m->super, "%s", field[dash + 3]);
	return true;
}

bool mountinfo_reachable(const struct mount_entry *m)
{
	struct stat st;

	return m->point[0] && stat(m->point, &st) == 0 && st.st_dev == m->dev;
}

FILE *mountinfo_open(const char *path)
{
	FILE *f = fopen(path, "re");

	if (!f)
		die(errno, "fopen(\"%s\")", path);
	return f;
}
