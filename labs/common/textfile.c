/* textfile.c - reading and writing the kernel's small text files; see
 * textfile.h. */
#include "textfile.h"
#include "nslab.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* IN up to its newline, into OUT (LEN bytes), as words. */
static void squeeze(const char *in, char *out, size_t len)
{
	char *o = out;

	in += strspn(in, " \t");
	while (*in && *in != '\n' && o + 1 < out + len) {
		if (*in != ' ' && *in != '\t') {
			*o++ = *in++;
			continue;
		}
		in += strspn(in, " \t");
		if (*in && *in != '\n')
			*o++ = ' ';
	}
	if (o > out && o[-1] == ' ') /* cut off at a blank: no word follows */
		o--;
	*o = '\0';
}

/* PATH's first LEN - 1 bytes into BUF, or as many as it has: one read()
 * gives all of such a file.  False, errno set, if it cannot be read. */
static bool read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	int err = errno;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	errno = err;
	return n >= 0;
}

bool file_line(const char *path, char *buf, size_t len)
{
	char text[4096];

	buf[0] = '\0';
	if (!read_text(path, text, sizeof text))
		return false;
	squeeze(text, buf, len);
	return true;
}

long long file_number(const char *path)
{
	char buf[64];
	char *end;
	long long n;

	if (!file_line(path, buf, sizeof buf))
		return -1;
	if (strcmp(buf, "max") == 0)
		return LLONG_MAX;
	errno = 0;
	n = strtoll(buf, &end, 10);
	if (end == buf || *end || n < 0 || errno) {
		errno = EINVAL; /* empty, or not one number from 0 up */
		return -1;
	}
	return n;
}

long long must_number(const char *path)
{
	long long n = file_number(path);

	if (n < 0)
		die(errno, "reading a number from %s", path);
	return n;
}

long long file_key(const char *path, const char *key)
{
	char text[8192];
	size_t klen = strlen(key);

	if (!read_text(path, text, sizeof text))
		return -1;
	for (char *at = text; at; at = strchr(at, '\n')) {
		if (*at == '\n')
			at++;
		if (strncmp(at, key, klen) == 0 && (at[klen] == ' ' || at[klen] == ':'))
			return strtoll(at + klen + 1, NULL, 10);
	}
	return -1;
}

bool status_field(pid_t pid, const char *key, char *buf, size_t len)
{
	char path[64];
	char line[512];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof path, pid ? "/proc/%d/status" : "/proc/self/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			squeeze(line + klen + 1, buf, len);
			found = true;
		}
	}
	fclose(f);
	if (!found)
		errno = ENOENT;
	return found;
}

int proc_children(pid_t pid, pid_t *out, int max)
{
	char path[64];
	int n = 0;
	int child;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (n < max && fscanf(f, "%d", &child) == 1)
		out[n++] = (pid_t)child;
	fclose(f);
	return n;
}

int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	errno = EIO; /* a short write sets none */
	if (write(fd, text, len) != (ssize_t)len)
		err = errno;
	close(fd);
	return err;
}
