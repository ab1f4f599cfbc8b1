// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Address and prefix parsing/formatting in the ABI's 16-byte form. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int util_addr_parse(const char *s, uint8_t addr[16], uint8_t *family)
{
	memset(addr, 0, 16);
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = STEER_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = STEER_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int util_prefix_parse(const char *s, uint8_t addr[16], uint8_t *family, uint32_t *prefixlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	unsigned long len;
	char *end;
	uint32_t max;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(s, '/');
	if (slash)
		buf[slash - s] = '\0';
	if (util_addr_parse(buf, addr, family))
		return -EINVAL;
	max = *family == STEER_AF_INET ? 32 : 128;
	if (!slash) {
		*prefixlen = max;
		return 0;
	}
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || len > max)
		return -EINVAL;
	*prefixlen = (uint32_t)len;
	return 0;
}

const char *util_addr_format(const uint8_t addr[16], uint8_t family, char *buf, size_t len)
{
	if (!inet_ntop(family == STEER_AF_INET ? AF_INET : AF_INET6, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int util_endpoint_parse(const char *s, uint8_t addr[16], uint8_t *family, uint16_t *port,
			bool port_optional)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *a = s;
	unsigned long v;
	char *end;
	size_t n;

	*port = 0;
	if (!s || !*s)
		return -EINVAL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || (rb[1] && rb[1] != ':'))
			return -EINVAL;
		a = s + 1;
		n = (size_t)(rb - a);
		colon = rb[1] ? rb + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, a, n);
	host[n] = '\0';
	if (util_addr_parse(host, addr, family))
		return -EINVAL;
	if (!colon)
		return port_optional ? 0 : -EINVAL;
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno || *end || !v || v > 65535)
		return -ERANGE;
	*port = (uint16_t)v;
	return 0;
}

const char *util_prefix_format(const uint8_t addr[16], uint8_t family, uint32_t len, char *buf,
			       size_t size)
{
	char a[64];

	snprintf(buf, size, "%s/%u", util_addr_format(addr, family, a, sizeof(a)), len);
	return buf;
}
