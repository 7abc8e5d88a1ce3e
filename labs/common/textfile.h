/* textfile.h - the small text files the kernel offers under /proc, /sys
 * and in a cgroup: a line, a number, a key's value, a field of
 * /proc/PID/status, a process's children; and one write.  Plumbing shared
 * by Labs 02, 05, 07, 08, 11 and 12 and tools/nsinfo, not a lesson. */
#ifndef NSLAB_TEXTFILE_H
#define NSLAB_TEXTFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The first line of PATH into BUF (LEN bytes), as words: leading blanks
 * gone, each run of blanks one space ("     0    1000     1" reads
 * "0 1000 1"), no newline.  An empty file gives "".  False, BUF empty and
 * errno set, if PATH cannot be read. */
bool file_line(const char *path, char *buf, size_t len);

/* The number in PATH; "max", a cgroup's "no limit", is LLONG_MAX.  -1,
 * errno set, if PATH cannot be read or holds no number from 0 up. */
long long file_number(const char *path);

/* The same, for a file that must be there (our cgroup's): on failure the
 * program dies, naming PATH. */
long long must_number(const char *path);

/* The number after KEY in a file of "KEY value" lines (memory.events) or
 * "KEY: value" lines (/proc/meminfo, in kB there).  -1 if the file or the
 * key is missing. */
long long file_key(const char *path, const char *key);

/* The value of KEY ("NSpid", "CapEff") in /proc/PID/status (PID 0: this
 * process), as words, as file_line() gives them: "4321 1".  False, errno
 * set, if the file or the line is missing. */
bool status_field(pid_t pid, const char *key, char *buf, size_t len);

/* The children of PID (of its main thread) that the kernel lists in
 * /proc/PID/task/PID/children, up to MAX into OUT: how many; -1 if the
 * file cannot be read (the process is gone). */
int proc_children(pid_t pid, pid_t *out, int max);

/* TEXT to PATH in one write(), as /proc and cgroup files want it.  0, or
 * the errno: a cgroup file refuses a value in write(), not in open(). */
int write_text(const char *path, const char *text);
#endif
