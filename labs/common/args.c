/* args.c - option values; see args.h. */
#include "args.h"
#include "nslab.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long parse_number(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || n < min || n > max)
		usage_error("%s takes a whole number from %lld to %lld, not '%s'", opt, min, max,
			    s);
	return n;
}

unsigned long long parse_size(const char *opt, const char *s, const char *example,
			      unsigned long long min, unsigned long long max)
{
	unsigned long long n = 0;
	unsigned long long mult = 1;
	const char *p = s;
	char minb[32];
	char maxb[32];

	fmt_size(min, minb, sizeof minb);
	fmt_size(max, maxb, sizeof maxb);
	if (!isdigit((unsigned char)*p))
		usage_error("%s takes a size such as %s, not '%s'", opt, example, s);
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (ULLONG_MAX - 9) / 10)
			usage_error("%s '%s' is far too large (at most %s)", opt, s, maxb);
		n = n * 10 + (unsigned)(*p - '0');
	}
	switch (toupper((unsigned char)*p)) {
	case '\0':
		break;
	case 'K':
		mult = KiB;
		p++;
		break;
	case 'M':
		mult = MiB;
		p++;
		break;
	case 'G':
		mult = GiB;
		p++;
		break;
	default:
		usage_error("%s takes a size such as %s (suffix K, M or G), not '%s'", opt, example,
			    s);
	}
	if (*p)
		usage_error("%s takes a size such as %s, not '%s'", opt, example, s);
	if (n > max / mult || n * mult > max)
		usage_error("%s %s is too large: at most %s", opt, s, maxb);
	if (n * mult < min)
		usage_error("%s %s is too small: at least %s", opt, s, minb);
	return n * mult;
}

void fmt_size(unsigned long long n, char *buf, size_t len)
{
	/* Tenths cut off, never rounded up: 1,073,737,728 bytes (a page short
	 * of 1 GiB) is "1023.9 MiB", not a "1024.0 MiB" that hides the page. */
	if (n >= GiB)
		snprintf(buf, len, "%llu.%llu GiB", n / GiB, n % GiB * 10 / GiB);
	else if (n >= MiB)
		snprintf(buf, len, "%llu.%llu MiB", n / MiB, n % MiB * 10 / MiB);
	else
		snprintf(buf, len, "%llu KiB", n / KiB);
}

void parse_subnet(const char *s, const char *example, struct in_addr *one, struct in_addr *two)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint32_t net;

	if (!slash || strcmp(slash, "/24") != 0 || (size_t)(slash - s) >= sizeof ip)
		usage_error("--subnet takes A.B.C.0/24, not '%s'", s);
	snprintf(ip, sizeof ip, "%.*s", (int)(slash - s), s);
	if (inet_pton(AF_INET, ip, one) != 1 || (ntohl(one->s_addr) & 0xff) != 0)
		usage_error("--subnet takes A.B.C.0/24, not '%s'", s);
	net = ntohl(one->s_addr);
	if (net >> 24 == 0 || net >> 24 == 127 || net >> 24 >= 224)
		usage_error("--subnet %s is not a usable unicast range (try %s)", s, example);
	one->s_addr = htonl(net | 1);
	two->s_addr = htonl(net | 2);
}
