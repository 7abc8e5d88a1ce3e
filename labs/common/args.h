/* args.h - the values the labs' options take: a whole number in a range,
 * a size in bytes with K, M or G, an IPv4 /24.  A wrong one is a usage
 * error (exit 2) that names the option.  Plumbing shared by Labs 02, 04,
 * 05, 11 and 12, not a lesson. */
#ifndef NSLAB_ARGS_H
#define NSLAB_ARGS_H
#include <netinet/in.h>
#include <stddef.h>

#define KiB (1024ULL)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

/* S as a whole number from MIN to MAX, for option OPT ("--nest"). */
long long parse_number(const char *opt, const char *s, long long min, long long max);

/* S as a size: a whole number of bytes with an optional K, M or G (powers
 * of 1024), from MIN to MAX; EXAMPLE ("32M") shows the form in a message. */
unsigned long long parse_size(const char *opt, const char *s, const char *example,
			      unsigned long long min, unsigned long long max);
/* N bytes for a person: "32.0 MiB", "1.0 GiB", "512 KiB", cut (not
 * rounded) to the digit shown. */
void fmt_size(unsigned long long n, char *buf, size_t len);

/* --subnet S of Labs 04 and 11: "A.B.C.0/24" and nothing else, a unicast
 * range; its .1 into ONE and .2 into TWO.  A refusal suggests EXAMPLE. */
void parse_subnet(const char *s, const char *example, struct in_addr *one, struct in_addr *two);
#endif
