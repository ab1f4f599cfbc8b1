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
