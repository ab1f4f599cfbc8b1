// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Socket addresses: --listen specs parsed, peers and listeners formatted
 * for the log and stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mockllm.h"

void format_addr(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, sizeof(ip));
			snprintf(out, len, "%s:%u", ip, ntohs(s6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
			snprintf(out, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
		}
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, ntohs(s4->sin_port));
	} else {
		snprintf(out, len, "?");
	}
}

/* "1.2.3.4:80", "[::1]:80", "[::]:80" (dual-stack), ":80" or "80" (= [::]:80) */
int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, bool *any6)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s;
	unsigned long port;
	char *end;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	*any6 = false;
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - spec - 1);
		port_s = rb + 2;
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, spec + 1, hl);
	} else {
		const char *colon = strrchr(spec, ':');

		if (!colon) {
			hl = 0;
			port_s = spec;
		} else {
			hl = (size_t)(colon - spec);
			port_s = colon + 1;
		}
		if (hl >= sizeof(host) || memchr(spec, ':', hl))
			return -1;
		memcpy(host, spec, hl);
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || port > 65535)
		return -1;

	if (!hl || spec[0] == '[') {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (hl && inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		*any6 = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		*sl = sizeof(*s4);
	}
	return 0;
}
