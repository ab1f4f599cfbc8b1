// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The --metrics address (apart from the server, so that tests need no MHD). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "metrics/metrics.h"
#include "util/util.h"

int metrics_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	uint8_t addr[16], family;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	/* IPv6 only in brackets, and every error is -EINVAL (a port out of range too) */
	if (util_endpoint_parse(s, addr, &family, &port, false) ||
	    (family == STEER_AF_INET6) != (*s == '['))
		return -EINVAL;
	if (family == STEER_AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		memcpy(&a->sin6_addr, addr, sizeof(a->sin6_addr));
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		memcpy(&a->sin_addr, addr, sizeof(a->sin_addr));
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
	}
	return 0;
}
