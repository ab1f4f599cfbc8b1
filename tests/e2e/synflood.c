// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synflood: send TCP segments that open nothing, for the conntrack flood
 * test (tests/e2e/flood.sh): SYNs (half-open flows, when the sources do not
 * exist to answer the SYN+ACK) or stray ACKs, from sources spread over a
 * range, to one address and port: COUNT packets paced evenly over SECONDS
 * (a burst would overflow the veth's ring before XDP sees it).
 * IPv4 only, raw socket (root, inside the test's own namespace).
 *
 *   synflood SRC_BASE N_SRC DST PORT COUNT SECONDS syn|ack
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct seg {
	uint8_t ver_ihl, tos;
	uint16_t tot_len, id, frag;
	uint8_t ttl, proto;
	uint16_t csum;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff, flags;
	uint16_t win, tcsum, urg;
} __attribute__((packed));

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t sum16(const void *p, size_t n, uint32_t s)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	return s;
}

int main(int argc, char **argv)
{
	struct in_addr base, dst;
	unsigned long nsrc, count, secs, i, sent = 0;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct timespec t0, now;
	int fd, one = 1, ack;
	uint16_t port;

	if (argc != 8 || inet_pton(AF_INET, argv[1], &base) != 1 ||
	    inet_pton(AF_INET, argv[3], &dst) != 1 || !(nsrc = strtoul(argv[2], NULL, 10)) ||
	    !(port = (uint16_t)strtoul(argv[4], NULL, 10)) || (strcmp(argv[7], "syn") &&
							      strcmp(argv[7], "ack"))) {
		fprintf(stderr, "usage: synflood SRC_BASE N_SRC DST PORT COUNT SECONDS syn|ack\n");
		return 2;
	}
	count = strtoul(argv[5], NULL, 10);
	secs = strtoul(argv[6], NULL, 10);
	ack = !strcmp(argv[7], "ack");
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("synflood: raw socket");
		return 1;
	}
	to.sin_addr = dst;
	srand((unsigned int)getpid());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		struct seg s = { 0 };
		uint32_t ph;

		/* packet i leaves at t0 + i * secs / count */
		uint64_t due = (uint64_t)t0.tv_sec * 1000000000ULL + (uint64_t)t0.tv_nsec +
			       (uint64_t)i * secs * 1000000000ULL / (count ? count : 1);
		uint64_t at;

		clock_gettime(CLOCK_MONOTONIC, &now);
		at = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
		if (due > at) {
			struct timespec d = { (time_t)((due - at) / 1000000000ULL),
					      (long)((due - at) % 1000000000ULL) };

			nanosleep(&d, NULL);
		}
		s.ver_ihl = 0x45;
		s.tot_len = htons(sizeof(s));
		s.id = htons((uint16_t)i);
		s.ttl = 64;
		s.proto = IPPROTO_TCP;
		s.saddr = htonl(ntohl(base.s_addr) + (uint32_t)(i % nsrc));
		s.daddr = dst.s_addr;
		s.csum = htons(fold(sum16(&s, 20, 0)));
		s.sport = htons((uint16_t)(1024 + rand() % 60000));
		s.dport = htons(port);
		s.seq = htonl((uint32_t)rand());
		s.ack = ack ? htonl((uint32_t)rand()) : 0;
		s.doff = 5 << 4;
		s.flags = ack ? 0x10 : 0x02;
		s.win = htons(65535);
		/* pseudo-header: addresses, protocol, TCP length */
		ph = sum16(&s.saddr, 8, 0) + IPPROTO_TCP + 20;
		s.tcsum = htons(fold(sum16(&s.sport, 20, ph)));
		if (sendto(fd, &s, sizeof(s), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("synflood: sendto");
			return 1;
		}
		sent++;
	}
	printf("%lu sent\n", sent);
	return 0;
}
