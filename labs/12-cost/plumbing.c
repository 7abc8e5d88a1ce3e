/*
 * plumbing.c - Lab 12's command line, statistics, table, chart and CSV,
 * the /proc readers, and the VM's initramfs.  Not the lesson: nsbench.c
 * is.
 */
#include "../common/nslab.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

struct bench_opts {
	int runs, count, vm_timeout;
	bool csv, quiet;
	const char *only; /* NULL: every section */
};

static const char usage[] =
	"Usage: nsbench [OPTION]...\n"
	"Lab 12: what isolation costs on this machine - a process, each namespace,\n"
	"a small container and a VM, in time and in memory, measured here.\n\n"
	"  -n, --runs N        time each figure N times (1-1000, default 10); memory\n"
	"                      in up to 3 rounds; the VM up to 3 boots (1 under TCG)\n"
	"  -c, --count N       namespaces of each type held at once for the memory\n"
	"                      figures (1-1000, default 200)\n"
	"      --only LIST     only these sections, comma-separated: floor, clone,\n"
	"                      gone, memory, container, vm\n"
	"      --quick         --runs 3 --count 50 (an option after it wins)\n"
	"      --vm-timeout S  give the VM S seconds to reach userspace (1-3600, default 120)\n"
	"      --csv           print comma-separated values instead of the table and chart\n"
	"  -q, --quiet         the table without the chart\n"
	"  -h, --help          show this help and exit\n\n"
	"Each figure is printed as the median, the minimum and the maximum of its runs.\n"
	"Exit status: 0, 1 on a runtime error, 2 on a usage error, 128+N after signal N.\n";

int reap(pid_t pid, int sig);
bool tell(pid_t pid, int sig);
void write_file(const char *path, const char *text);

static const char *const sections[] = { "floor", "clone", "gone", "memory", "container", "vm" };

static int number(const char *option, const char *s, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max)
		usage_error("%s '%s': give a whole number from 1 to %d", option, s, max);
	return (int)v;
}

void parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' },
						  { "runs", required_argument, NULL, 'n' },
						  { "count", required_argument, NULL, 'c' },
						  { "only", required_argument, NULL, 'o' },
						  { "quick", no_argument, NULL, 'Q' },
						  { "csv", no_argument, NULL, 'C' },
						  { "vm-timeout", required_argument, NULL, 'T' },
						  { "quiet", no_argument, NULL, 'q' },
						  { 0 } };
	char list[256], *tok, *save;
	int c;

	*o = (struct bench_opts){ .runs = 10, .count = 200, .vm_timeout = 120 };
	demo_begin("nsbench", usage);
	while ((c = getopt_long(argc, argv, "hqn:c:", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		} else if (c == 'n')
			o->runs = number("--runs", optarg, 1000);
		else if (c == 'c')
			o->count = number("--count", optarg, 1000);
		else if (c == 'T')
			o->vm_timeout = number("--vm-timeout", optarg, 3600);
		else if (c == 'Q')
			o->runs = 3, o->count = 50;
		else if (c == 'C')
			o->csv = true;
		else if (c == 'q')
			o->quiet = true;
		else if (c == 'o')
			o->only = optarg;
		else
			usage_error(NULL);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->only)
		return;
	if (strlen(o->only) >= sizeof list)
		usage_error("--only: too long");
	snprintf(list, sizeof list, "%s", o->only);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save), c = -2) {
		size_t i = 0;
		while (i < sizeof sections / sizeof *sections && strcmp(tok, sections[i]))
			i++;
		if (i == sizeof sections / sizeof *sections)
			usage_error(
				"--only: no section '%s' (floor, clone, gone, memory, container, vm)",
				tok);
	}
	if (c != -2)
		usage_error("--only needs a list of sections, such as floor,clone");
}

/* Is SECTION one the user asked for? */
bool wanted(const struct bench_opts *o, const char *section)
{
	size_t n = strlen(section);
	const char *p = o->only;

	if (!p)
		return true;
	for (; (p = strstr(p, section)); p += n)
		if ((p == o->only || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* ---- the table, the chart and the CSV ---- */

static bool csv;
static struct bar {
	char label[48];
	double value; /* the median */
	bool kib;     /* memory; else time in microseconds */
} bars[64];
static int nbars;

/* "123 µs", "4.56 ms", "1.23 s"; "789 KiB", "12.3 MiB". */
static const char *human(double v, bool kib, char buf[24])
{
	static const char *const t[] = { "µs", "ms", "s" }, *const m[] = { "KiB", "MiB", "GiB" };
	double a = v < 0 ? -v : v;
	int i = 0;

	while (i < 2 && a >= 1000)
		v /= kib ? 1024 : 1000, a /= kib ? 1024 : 1000, i++;
	snprintf(buf, 24,
		 a >= 100 || v == 0 ? "%.0f %s"
		 : a >= 10	    ? "%.1f %s"
				    : "%.2f %s",
		 v, kib ? m[i] : t[i]);
	return buf;
}

/* Logarithms without libm: the decade by division, the rest by the
 * series ln x = 2(y + y^3/3 + y^5/5 + ...), y = (x-1)/(x+1), 1 <= x < 10. */
static double log10_of(double x)
{
	double e = 0, y, term, sum = 0;

	for (; x >= 10; x /= 10)
		e++;
	for (; x < 1; x *= 10)
		e--;
	y = (x - 1) / (x + 1);
	term = y;
	for (int k = 1; k < 60; k += 2, term *= y * y)
		sum += term / k;
	return e + 2 * sum / 2.302585092994046;
}

static double decade(double x, bool up) /* the power of ten at or below (above) x */
{
	double d = 1;

	while (d > x)
		d /= 10;
	while (d * 10 <= x)
		d *= 10;
	return up && d < x ? d * 10 : d;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void begin_csv(void)
{
	csv = true;
	printf("section,figure,unit,median,min,max,runs,note\n");
}

/* A section's title: a numbered step, as in every lab. */
void section(const char *name, int n, const char *title)
{
	(void)name;
	if (!csv)
		step(n, "%s", title);
}

/* One figure: N samples in microseconds (or KiB), sorted here. */
void row(const char *sec, const char *label, double *s, int n, bool kib, bool chart)
{
	char a[24], b[24], c[24];
	double med;

	qsort(s, n, sizeof *s, cmp_double);
	med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	if (csv)
		printf("%s,\"%s\",%s,%.1f,%.1f,%.1f,%d,\n", sec, label, kib ? "KiB" : "us", med,
		       s[0], s[n - 1], n);
	else
		note("%-36s %10s %10s %10s", label, human(med, kib, a), human(s[0], kib, b),
		     human(s[n - 1], kib, c));
	if (chart && nbars < 64) {
		bars[nbars] = (struct bar){ .value = med, .kib = kib };
		snprintf(bars[nbars++].label, sizeof bars->label, "%s", label);
	}
}

/* A figure measured as a plain ratio (no unit). */
void ratio_row(const char *sec, const char *label, double *s, int n)
{
	double med;

	qsort(s, n, sizeof *s, cmp_double);
	med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	if (csv)
		printf("%s,\"%s\",ratio,%.2f,%.2f,%.2f,%d,\n", sec, label, med, s[0], s[n - 1], n);
	else
		note("%-36s %9.1fx %9.1fx %9.1fx", label, med, s[0], s[n - 1]);
}

/* A figure that could not be measured here, and why. */
void skip_row(const char *sec, const char *label, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (csv)
		printf("%s,\"%s\",,,,,0,\"skipped: %s\"\n", sec, label, why);
	else
		note("%-36s skipped: %s", label, why);
}

/* The column heads, under a section title. */
void heads(void)
{
	if (!csv)
		note("%-36s %10s %10s %10s", "", "median", "min", "max");
}

/* Medians as bars: one chart for times, one for memory.  When the largest
 * is more than 20 times the smallest, the scale is logarithmic. */
static void draw(bool kib)
{
	double lo = 1e300, hi = 0, span;
	bool logscale;
	char buf[24];
	int i, w = 40;

	for (i = 0; i < nbars; i++)
		if (bars[i].kib == kib &&
		    bars[i].value >= 1) /* below 1 (noise): the shortest bar */
			lo = lo < bars[i].value ? lo : bars[i].value,
			hi = hi > bars[i].value ? hi : bars[i].value;
	if (hi == 0)
		return;
	logscale = hi / lo > 20;
	if (logscale) { /* whole decades at both ends */
		lo = decade(lo, false), hi = decade(hi, true);
		span = log10_of(hi / lo);
	} else
		lo = 0, span = hi;
	if (kib)
		printf("\n    memory, %s scale from %g to %g KiB:\n", logscale ? "log" : "linear",
		       lo, hi);
	else {
		printf("\n    time, %s scale from %s", logscale ? "log" : "linear",
		       human(lo, kib, buf));
		printf(" to %s:\n", human(hi, kib, buf));
	}
	for (i = 0; i < nbars; i++) {
		double v = bars[i].value, f;
		if (bars[i].kib != kib)
			continue;
		f = v <= lo ? 0 : logscale ? log10_of(v / lo) / span : v / span;
		printf("    %-36s |%-*.*s %s\n", bars[i].label, w,
		       (int)(f * w + 0.5) > 0 ? (int)(f * w + 0.5) : 1,
		       "########################################", human(v, kib, buf));
	}
}

void chart(int n)
{
	if (csv || !nbars)
		return;
	step(n, "the medians as bars");
	draw(false);
	draw(true);
}

/* ---- the machine, and the kernel's own counters ---- */

void machine(const struct bench_opts *o)
{
	struct utsname u;
	long mem = sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024;

	if (uname(&u) != 0)
		die(errno, "uname()");
	if (csv)
		printf("machine,\"%s %s %s\",,,,,,\"%ld CPUs, %ld MiB\"\n", u.sysname, u.release,
		       u.machine, sysconf(_SC_NPROCESSORS_ONLN), mem);
	else {
		printf("nsbench: what isolation costs on this machine\n");
		printf("machine: %s %s %s, %ld CPUs, %ld MiB RAM\n", u.sysname, u.release,
		       u.machine, sysconf(_SC_NPROCESSORS_ONLN), mem);
		printf("each figure over %d runs: median, min, max (memory: %d rounds of %d namespaces)\n",
		       o->runs, o->runs < 3 ? o->runs : 3, o->count);
	}
	fflush(stdout);
}

/* The sum of some "Name:   123 kB" lines of a /proc file, in KiB; NAMES
 * is a list like ":Slab:KernelStack:".  -1 if it cannot be read. */
long proc_kib(const char *path, const char *names)
{
	char line[256], key[80];
	long total = -1, v;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%62[^:]: %ld", key + 1, &v) == 2) {
			key[0] = ':';
			strcat(key, ":");
			if (strstr(names, key))
				total = (total < 0 ? 0 : total) + v;
		}
	fclose(f);
	return total;
}

/* /proc/meminfo's NAMES, once they move by less than COUNT/4 KiB (at
 * least 16) in 100 ms, or after 5 s: frees that come after an RCU grace
 * period or in a kernel worker have happened by then. */
long settle(const char *names, long count)
{
	long last = proc_kib("/proc/meminfo", names), now;
	long tolerance = count / 4 > 16 ? count / 4 : 16;

	for (int i = 0; i < 50 && !nslab_interrupted; i++, last = now) {
		usleep(100000);
		now = proc_kib("/proc/meminfo", names);
		if (now - last < tolerance && last - now < tolerance)
			return now;
	}
	return last;
}

/* The first line of a file, without its newline ("" if unreadable). */
char *first_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f && fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
	return buf;
}

/* A path relative to this lab's directory (found from /proc/self/exe). */
char *lab_path(const char *rel, char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (len < 0)
		die(errno, "readlink(/proc/self/exe)");
	exe[len] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(buf, n, "%s/%s", exe, rel);
	return buf;
}

/* NAME found in $PATH, as a full path in BUF; false if it is not there. */
bool in_path(const char *name, char *buf, size_t n)
{
	const char *path = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";
	char dirs[4096], *d, *save;

	snprintf(dirs, sizeof dirs, "%s", path);
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, n, "%s/%s", d, name);
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

/* ---- the VM's initramfs ---- */

/* The whole of the guest's userspace: a 78-byte x86-64 program, /init.
 *     write(1, "NSLAB-VM-UP\n", 12)   the host's stopwatch stops here
 *     read(0, msg, 1)                 wait for the host's newline
 *     reboot(MAGIC1, MAGIC2, LINUX_REBOOT_CMD_POWER_OFF)
 *     jmp .                           (not reached)
 * assembled by hand with `as` and copied here as bytes. */
static const unsigned char init_code[] = {
	0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x35,
	0x31, 0x00, 0x00, 0x00, 0xba, 0x0c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x31, 0xc0,
	0x31, 0xff, 0x48, 0x8d, 0x35, 0x1f, 0x00, 0x00, 0x00, 0xba, 0x01, 0x00, 0x00,
	0x00, 0x0f, 0x05, 0xb8, 0xa9, 0x00, 0x00, 0x00, 0xbf, 0xad, 0xde, 0xe1, 0xfe,
	0xbe, 0x69, 0x19, 0x12, 0x28, 0xba, 0xdc, 0xfe, 0x21, 0x43, 0x0f, 0x05, 0xeb,
	0xfe, 'N',  'S',  'L',	'A',  'B',  '-',  'V',	'M',  '-',  'U',  'P',	'\n'
};

/* An ELF header and one program header: load the file at 0x400000,
 * readable, writable (the read() lands in it) and executable. */
static size_t make_elf(unsigned char *out)
{
	const unsigned long base = 0x400000, hdrs = 64 + 56, size = hdrs + sizeof init_code;
	unsigned char *p = out;

	memset(out, 0, hdrs);
	memcpy(p, "\177ELF\2\1\1", 7);		  /* 64-bit, little-endian, version 1 */
	p[16] = 2, p[18] = 62, p[20] = 1;	  /* ET_EXEC, EM_X86_64, EV_CURRENT */
	*(unsigned long *)(p + 24) = base + hdrs; /* e_entry */
	*(unsigned long *)(p + 32) = 64;	  /* e_phoff */
	p[52] = 64, p[54] = 56, p[56] = 1;	  /* e_ehsize, e_phentsize, e_phnum */
	p += 64;
	p[0] = 1, p[4] = 7;		     /* PT_LOAD, PF_R|PF_W|PF_X */
	*(unsigned long *)(p + 16) = base;   /* p_vaddr */
	*(unsigned long *)(p + 24) = base;   /* p_paddr */
	*(unsigned long *)(p + 32) = size;   /* p_filesz */
	*(unsigned long *)(p + 40) = size;   /* p_memsz */
	*(unsigned long *)(p + 48) = 0x1000; /* p_align */
	memcpy(out + hdrs, init_code, sizeof init_code);
	return size;
}

/* One entry of a "newc" cpio archive, the format the kernel unpacks. */
static void cpio_entry(FILE *f, const char *name, unsigned mode, unsigned rdev_min,
		       const void *data, size_t len)
{
	static const char zeros[4];
	size_t namesize = strlen(name) + 1;

	fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", 0u, mode, 0u, 0u,
		1u, 0u, len, 0u, 0u, mode >> 12 == 02 ? 5u : 0u, rdev_min, namesize, 0u);
	fwrite(name, 1, namesize, f);
	fwrite(zeros, 1, (4 - (110 + namesize) % 4) % 4, f);
	fwrite(data, 1, len, f);
	fwrite(zeros, 1, (4 - len % 4) % 4, f);
}

/* The initramfs in a memfd (no file to clean up): /dev/console, so that
 * the kernel gives /init its stdin and stdout, and /init.  qemu opens it
 * as /proc/self/fd/N, the descriptor being inherited. */
int initramfs_fd(void)
{
	unsigned char elf[256];
	size_t len = make_elf(elf);
	int fd = memfd_create("nslab-cost-initramfs", 0), copy;
	FILE *f;

	if (fd < 0)
		die(errno, "memfd_create()");
	if ((copy = dup(fd)) < 0 || !(f = fdopen(copy, "w")))
		die(errno, "fdopen(memfd)");
	cpio_entry(f, "dev", 040755, 0, "", 0);
	cpio_entry(f, "dev/console", 020600, 1, "", 0);
	cpio_entry(f, "init", 0100755, 0, elf, len);
	cpio_entry(f, "TRAILER!!!", 0, 0, "", 0);
	if (fclose(f) != 0)
		die(errno, "writing the initramfs");
	return fd;
}

/* ---- processes ---- */

/* A helper: a child cloned with FLAGS (say CLONE_NEWUSER) that runs BODY
 * and sends its results through helper_out, which we read through
 * *FROM_HELPER.  In a new user namespace, our root is its root and every
 * other ID the same number (a user namespace may nest only if its
 * creator's IDs are mapped): BODY starts once the maps are written. */
int helper_out = -1;
static int (*helper_body)(void *);
static int up[2], down[2];
static char helper_stack[256 * 1024] __attribute__((aligned(16)));

static int helper_start(void *arg)
{
	char byte;
	ssize_t n;

	child_begin();
	close(up[0]);
	close(down[1]);
	if ((n = read(down[0], &byte, 1)) != 0) /* EOF: our maps are written */
		die(n < 0 ? errno : EPROTO, "read(sync pipe): a byte where EOF was due");
	helper_out = up[1];
	return helper_body(arg);
}

pid_t helper(int flags, int (*body)(void *), const void *arg, int *from_helper)
{
	char path[64];
	pid_t pid;

	if (pipe2(up, O_CLOEXEC) != 0 || pipe2(down, O_CLOEXEC) != 0)
		die(errno, "pipe2()");
	helper_body = body;
	if ((pid = clone(helper_start, helper_stack + sizeof helper_stack, flags | SIGCHLD,
			 (void *)arg)) < 0)
		die(errno, "clone(helper)");
	watch_child(pid); /* a signal to us SIGKILLs it: its namespaces go with it */
	close(up[1]);
	close(down[0]);
	for (int i = 0; flags & CLONE_NEWUSER && i < 2; i++) {
		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, i ? "gid_map" : "uid_map");
		write_file(path, "0 0 4294967295\n");
	}
	close(down[1]);
	*from_helper = up[0];
	return pid;
}

void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0)
		die(errno, "writing %s", path);
}

/* Room for N open files: root may raise its soft limit to the hard one. */
void raise_fd_limit(int n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < (rlim_t)n) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* fork() + execv(ARGV) with IN and OUT as its stdin and stdout/stderr;
 * it dies with us. */
pid_t spawn(char *const argv[], int in, int out)
{
	pid_t pid = fork();

	if (pid < 0)
		die(errno, "fork()");
	if (pid == 0) {
		child_begin();
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			die(errno, "dup2()");
		execv(argv[0], argv);
		die(errno, "execv(%s)", argv[0]);
	}
	return pid;
}

/* Read ROWS rows of RUNS samples from FD, then reap the helper PID; false
 * if it failed (it has said why) or a signal came. */
bool collect(int fd, pid_t pid, double (*s)[1000], int rows, int runs)
{
	size_t want = rows * runs * sizeof(double), got = 0, row_size = runs * sizeof(double);
	ssize_t r;

	while (got < want) {
		r = read(fd, (char *)s[got / row_size] + got % row_size, row_size - got % row_size);
		if (r <= 0 && !(r < 0 && errno == EINTR && !nslab_interrupted))
			break;
		got += r > 0 ? (size_t)r : 0;
	}
	close(fd);
	r = reap(pid, 0);
	return WIFEXITED(r) && WEXITSTATUS(r) == 0 && got == want && !nslab_interrupted;
}

/* The helper's side. */
void send_rows(int fd, double (*s)[1000], int rows, int runs)
{
	for (int i = 0; i < rows; i++)
		if (write(fd, s[i], runs * sizeof(double)) < 0)
			die(errno, "write(samples)");
}

/* SIG to PID, our child, through a pidfd opened only now (so that the timed
 * loops pay nothing when no signal is sent): until waitpid() has returned
 * PID it is surely ours, and the pidfd names it alone.  True if sent. */
bool tell(pid_t pid, int sig)
{
	int fd = pidfd_for(pid);
	bool sent = fd >= 0 && pidfd_signal(fd, sig) == 0;

	if (fd >= 0)
		close(fd);
	return sent;
}

/* Wait for PID, our child not yet reaped, after sending it SIG (0: none); a
 * signal to us is passed on as SIGTERM (even one that came before), so that
 * a mini_container or qemu can tidy up.  The wait status. */
int reap(pid_t pid, int sig)
{
	bool told = false;
	int status;

	if (sig != 0)
		told = tell(pid, sig);
	if (nslab_interrupted && !told) /* a signal came already */
		told = tell(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die(errno, "waitpid(%d)", (int)pid);
		if (nslab_interrupted && !told)
			told = tell(pid, SIGTERM);
	}
	return status;
}

/* fork() + execv(ARGV), its output (and, if QUIET, its errors) thrown
 * away; our death reaches it as SIGTERM, so it tidies up after itself. */
pid_t start(char *const argv[], bool quiet)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		die(errno, "fork()");
	if (pid == 0) {
		child_begin();
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
		    (null = open("/dev/null", O_RDWR)) < 0 || dup2(null, 0) < 0 ||
		    dup2(null, 1) < 0 || (quiet && dup2(null, 2) < 0))
			die(errno, "preparing %s", argv[0]);
		execv(argv[0], argv);
		die(errno, "execv(%s)", argv[0]);
	}
	return pid;
}

static bool among(const pid_t *set, int n, pid_t pid)
{
	while (n-- > 0)
		if (set[n] == pid)
			return true;
	return false;
}

/* ROOT and its descendants, found through the parent PID in
 * /proc/PID/stat; *FOUND is one of them whose command is COMM (or 0). */
static int family(pid_t root, pid_t *out, int max, const char *comm, pid_t *found)
{
	char path[300], line[512], *paren, name[32];
	int n = 1, before = 0, pid, ppid;
	DIR *d;
	struct dirent *e;

	out[0] = root;
	*found = 0;
	while (n != before && n < max) { /* again, until a pass finds no one new */
		before = n;
		if (!(d = opendir("/proc")))
			die(errno, "opendir(/proc)");
		while ((e = readdir(d)) && n < max) {
			snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
			if (!(pid = atoi(e->d_name)) || !*first_line(path, line, sizeof line) ||
			    !(paren = strrchr(line, ')')) ||
			    sscanf(paren + 2, "%*c %d", &ppid) != 1)
				continue;
			snprintf(name, sizeof name, "%.*s", (int)(paren - strchr(line, '(') - 1),
				 strchr(line, '(') + 1);
			if (!among(out, n, pid) && among(out, n, ppid))
				out[n++] = pid;
			if (pid != root && among(out, n, pid) && !strcmp(name, comm))
				*found = pid;
		}
		closedir(d);
	}
	return n;
}

/* The memory cgroup PID is in: its memory.current (v2) or
 * memory.usage_in_bytes (v1), in KiB; -1 if it has none of its own. */
static double cgroup_kib(pid_t pid)
{
	char path[PATH_MAX], line[PATH_MAX / 2], file[PATH_MAX / 2] = "", num[32];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *rel = strchr(line, ':') ? strchr(strchr(line, ':') + 1, ':') : NULL;
		if (!rel || !rel[1])
			continue;
		rel[strcspn(rel, "\n")] = 0;
		if (strstr(line, ":memory:") || (!*file && !strncmp(line, "0::", 3)))
			snprintf(file, sizeof file, "%s%s",
				 strstr(line, ":memory:") ? "memory" : "", rel + 1);
	}
	fclose(f);
	if (!*file || !strcmp(file, "/") || !strcmp(file, "memory/"))
		return -1;
	snprintf(path, sizeof path, "/sys/fs/cgroup/%s/%s", file,
		 strncmp(file, "memory/", 7) ? "memory.current" : "memory.usage_in_bytes");
	return *first_line(path, num, sizeof num) ? atol(num) / 1024.0 : -1;
}

/* Once a process called COMM runs below PID (polled for 10 s): the PSS
 * and RSS of PID and all its descendants, and their memory cgroup's
 * usage.  False if COMM never ran. */
static bool tree_memory(pid_t pid, const char *comm, double *pss, double *rss, double *cgroup)
{
	pid_t pids[64], found = 0;
	char path[64];
	int n = 0, st;

	for (int tries = 0; tries < 500 && !found && !nslab_interrupted; tries++) {
		n = family(pid, pids, 64, comm, &found);
		if (!found && waitpid(pid, &st, WNOHANG) != 0)
			return false;
		if (!found)
			usleep(20000);
	}
	*pss = *rss = 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pids[i]);
		long pss_kib = proc_kib(path, ":Pss:"), rss_kib = proc_kib(path, ":Rss:");
		*pss += pss_kib > 0 ? pss_kib : 0; /* a process gone meanwhile: -1 */
		*rss += rss_kib > 0 ? rss_kib : 0;
	}
	*cgroup = found ? cgroup_kib(found) : -1;
	return found;
}

/* ARGV runs mini_container with a /bin/sleep ROUNDS times: the PSS, RSS and
 * cgroup memory of each run into S[0..2].  NULL, or why it could not. */
const char *container_memory(char *const argv[], double (*s)[1000], int rounds)
{
	for (int r = 0; r < rounds && !nslab_interrupted; r++) {
		pid_t pid = start(argv, true);
		bool ok = tree_memory(pid, "sleep", &s[0][r], &s[1][r], &s[2][r]);
		reap(pid, SIGTERM); /* it tidies up, as on Ctrl-C */
		if (!ok)
			return "its command did not start";
		if (s[2][r] < 0)
			return "it is not in a memory cgroup of its own";
	}
	return NULL;
}

/* ---- the VM ---- */

/* qemu, and the kernel `make vm-check` keeps in .vm-cache/; else WHY. */
bool vm_parts(char *qemu, char *kernel, size_t n, char *why, size_t whylen)
{
	char path[PATH_MAX], version[128];

	if (!in_path("qemu-system-x86_64", qemu, n)) {
		snprintf(
			why, whylen,
			"qemu-system-x86_64 is not installed (sudo vagrant/provision.sh --vm-check)");
		return false;
	}
	first_line(lab_path("../../.vm-cache/kernel.ready", path, sizeof path), version,
		   sizeof version);
	snprintf(kernel, n, "%s/boot/vmlinuz-%s",
		 lab_path("../../.vm-cache/root", path, sizeof path), version);
	if (!*version || access(kernel, R_OK) != 0) {
		snprintf(why, whylen,
			 "no kernel cached in .vm-cache/ (run sudo make vm-check once)");
		return false;
	}
	return true;
}

/* KVM, if the CPU offers virtualisation to us (vmx or svm among its
 * flags) and /dev/kvm lets us create a VM; else WHY says what is missing. */
bool kvm_works(char *why, size_t n)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cpuinfo", "re");
	bool flags = false;
	int fd;

	while (f && !flags && fgets(line, sizeof line, f))
		flags = !strncmp(line, "flags", 5) &&
			(strstr(line, " vmx") || strstr(line, " svm"));
	if (f)
		fclose(f);
	if (!flags) {
		snprintf(why, n,
			 "the CPU shows no vmx or svm flag: no hardware virtualisation here");
		return false;
	}
	if ((fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0 ||
	    ioctl(fd, 0xAE01 /* KVM_CREATE_VM */, 0) < 0) {
		snprintf(why, n, "/dev/kvm: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd); /* and the VM it made with it */
	return true;
}

/* Read the guest's console (FD) until LINE appears: the time it did, in
 * now_us() units.  0 on EOF (qemu ended: WHY gets its last line), at
 * DEADLINE, or on a signal. */
double wait_for_line(int fd, const char *line, double deadline, char *why, size_t n)
{
	char out[8192], *nl;
	size_t len = 0;
	ssize_t r;

	snprintf(why, n, "no userspace within --vm-timeout");
	while (!nslab_interrupted) {
		struct pollfd p = { fd, POLLIN, 0 };
		double left = deadline - now_us();
		if (left <= 0 || poll(&p, 1, (int)(left / 1000) + 1) <= 0)
			return 0;
		if ((r = read(fd, out + len, sizeof out - 1 - len)) <= 0)
			break;
		out[len += r] = 0;
		if (strstr(out, line))
			return now_us();
		if (len > sizeof out / 2) /* keep the end: qemu's last words say why */
			memmove(out, out + len - 1024, 1025), len = 1024;
	}
	while (len && (nl = strrchr(out, '\n')) && !nl[1 + strspn(nl + 1, "\r ")])
		*nl = 0, len = strlen(out);
	if (len)
		snprintf(why, n, "%s", strrchr(out, '\n') ? strrchr(out, '\n') + 1 : out);
	return 0;
}

typedef bool boot_fn(const char *qemu, const char *kernel, const char *accel, int r, char *why,
		     size_t n);

/* Section [6]: the rows from RUNS boots, KVM if it works, else TCG. */
void vm(boot_fn *boot, int runs, double (*s)[1000])
{
	char qemu[PATH_MAX], kernel[PATH_MAX], why[256] = "", kvm_why[256] = "", was[256];
	bool kvm = kvm_works(kvm_why, sizeof kvm_why);

	section("vm", 6, "a VM on the same machine: boot to userspace, and its memory");
	heads();
	if (!vm_parts(qemu, kernel, sizeof qemu, was, sizeof was)) {
		skip_row("vm", "VM", "%s", was);
		return;
	}
	runs = kvm ? runs : 1; /* a TCG boot takes seconds to a minute: one is enough */
	for (int i = 0; i < runs && !nslab_interrupted; i++) {
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "nsbench: booting a VM under %s, %d of %d...\r",
				kvm ? "KVM" : "TCG", i + 1, runs);
		if (boot(qemu, kernel, kvm ? "kvm" : "tcg", i, why, sizeof why))
			continue;
		if (nslab_interrupted || !kvm) {
			skip_row("vm", "VM", "the guest did not reach userspace: %s", why);
			return;
		}
		snprintf(kvm_why, sizeof kvm_why, "KVM failed: %.200s",
			 why); /* nested KVM may: try TCG */
		kvm = false, runs = 1, i = -1;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%60s\r", "");
	if (nslab_interrupted)
		return;
	if (!csv)
		note("qemu under %s", kvm ? "KVM: the guest's instructions run on the CPU itself"
					  : "TCG, software emulation:");
	if (!csv && !kvm)
		note("  %s", kvm_why);
	row("vm", kvm ? "VM under KVM: boot to /init" : "VM under TCG: boot to /init", s[0], runs,
	    false, true);
	row("vm", "VM: power-off until qemu has exited", s[1], runs, false, false);
	row("vm", "VM: qemu's RSS, guest at userspace", s[2], runs, true, true);
}
