// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tiny_httpd: a minimal HTTP/1.1 server for namespace tests.
 *
 *   tiny_httpd ADDR PORT NAME
 *
 * ADDR is IPv4 or IPv6 ("::" listens dual-stack). Every GET (or HEAD) is
 * answered 200 with body "NAME\n" and a header "X-Backend: NAME"; other
 * methods get 405, anything unparseable 400 and the connection is closed.
 * Keep-alive and pipelining are supported (HTTP/1.1 default; HTTP/1.0 with
 * "Connection: keep-alive"). One thread per connection; idle connections
 * are closed after 60 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define REQ_MAX	 8192	   /* request line + headers */
#define BODY_MAX (1 << 20) /* request body we are willing to skip */
#define IDLE_SEC 60

static const char *name;
static size_t name_len;

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int reply(int fd, int code, const char *reason, bool head, bool keep)
{
	char hdr[512];
	char body[64];
	const char *b;
	size_t blen;
	int n;

	if (code == 200) {
		b = name;
		blen = name_len;
	} else {
		n = snprintf(body, sizeof(body), "%d %s\n", code, reason);
		b = body;
		blen = (size_t)n;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %zu\r\n"
		     "X-Backend: %.*s\r\n"
		     "%s"
		     "Connection: %s\r\n"
		     "\r\n",
		     code, reason, blen, (int)(name_len - 1), name,
		     code == 405 ? "Allow: GET, HEAD\r\n" : "", keep ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -1;
	if (send_all(fd, hdr, (size_t)n))
		return -1;
	if (!head && send_all(fd, b, blen))
		return -1;
	return 0;
}

/* Value of header `h` in the header block [p, end), trimmed, or NULL. */
static const char *header(const char *p, const char *end, const char *h, size_t *len)
{
	size_t hl = strlen(h);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *v, *ve;

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > hl && p[hl] == ':' && !strncasecmp(p, h, hl)) {
			v = p + hl + 1;
			ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*len = (size_t)(ve - v);
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

static bool token_eq(const char *v, size_t len, const char *tok)
{
	return v && len == strlen(tok) && !strncasecmp(v, tok, len);
}

/* Skip `len` body bytes: first what is buffered, then from the socket. */
static int skip_body(int fd, char *buf, size_t *have, unsigned long len)
{
	char junk[4096];

	if (len <= *have) {
		memmove(buf, buf + len, *have - len);
		*have -= len;
		return 0;
	}
	len -= *have;
	*have = 0;
	while (len) {
		ssize_t n = recv(fd, junk, len < sizeof(junk) ? len : sizeof(junk), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len -= (unsigned long)n;
	}
	return 0;
}

/*
 * Handle one request at the start of buf[0..*have) whose header block ends
 * at hdr_end (just past the blank line). Returns 1 to keep the connection,
 * 0 to close it.
 */
static int handle(int fd, char *buf, size_t *have, size_t hdr_end)
{
	char *line_end, *sp1, *sp2, *hdrs = NULL, *end = buf + hdr_end;
	bool http11, head = false, keep;
	unsigned long clen = 0;
	const char *v;
	size_t vlen;

	line_end = memchr(buf, '\n', hdr_end);
	if (!line_end)
		goto bad;
	hdrs = line_end + 1;
	if (line_end > buf && line_end[-1] == '\r')
		line_end--;
	sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
	if (!sp1 || sp1 == buf)
		goto bad;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1 || line_end - sp2 - 1 != 8)
		goto bad;
	if (!strncmp(sp2 + 1, "HTTP/1.1", 8))
		http11 = true;
	else if (!strncmp(sp2 + 1, "HTTP/1.0", 8))
		http11 = false;
	else
		goto bad;
	for (const char *c = buf; c < sp1; c++)
		if (*c < 'A' || *c > 'Z')
			goto bad;

	v = header(hdrs, end, "Connection", &vlen);
	if (http11)
		keep = !token_eq(v, vlen, "close");
	else
		keep = token_eq(v, vlen, "keep-alive");
	if (header(hdrs, end, "Transfer-Encoding", &vlen))
		goto bad; /* no chunked bodies here */
	v = header(hdrs, end, "Content-Length", &vlen);
	if (v) {
		char num[24], *e;

		if (!vlen || vlen >= sizeof(num))
			goto bad;
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		if (num[0] < '0' || num[0] > '9')
			goto bad;
		errno = 0;
		clen = strtoul(num, &e, 10);
		if (errno || *e || clen > BODY_MAX)
			goto bad;
	}

	/* consume the header block, then the body */
	memmove(buf, buf + hdr_end, *have - hdr_end);
	*have -= hdr_end;
	if (skip_body(fd, buf, have, clen))
		return 0;

	if (sp1 - buf == 3 && !strncmp(buf, "GET", 3))
		head = false;
	else if (sp1 - buf == 4 && !strncmp(buf, "HEAD", 4))
		head = true;
	else
		return reply(fd, 405, "Method Not Allowed", false, keep) == 0 && keep;
	return reply(fd, 200, "OK", head, keep) == 0 && keep;
bad:
	reply(fd, 400, "Bad Request", false, false);
	return 0;
}

/* Find the end of the header block (just past "\r\n\r\n" or "\n\n"). */
static size_t find_hdr_end(const char *buf, size_t have)
{
	for (size_t i = 0; i + 1 < have; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < have && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static void *conn_main(void *arg)
{
	int fd = (int)(long)arg;
	char *buf = malloc(REQ_MAX);
	size_t have = 0, end;
	ssize_t n;

	if (!buf)
		goto out;
	for (;;) {
		end = find_hdr_end(buf, have);
		if (end) {
			if (!handle(fd, buf, &have, end))
				break;
			continue;
		}
		if (have == REQ_MAX) {
			reply(fd, 400, "Bad Request", false, false);
			break;
		}
		n = recv(fd, buf + have, REQ_MAX - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct timeval tv = {.tv_sec = IDLE_SEC};
	pthread_attr_t attr;
	socklen_t sslen;
	unsigned long port;
	char *e, *nl;
	int fd, one = 1, zero = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: tiny_httpd ADDR PORT NAME\n");
		return 2;
	}
	errno = 0;
	port = strtoul(argv[2], &e, 10);
	if (errno || *e || !argv[2][0] || port == 0 || port > 65535) {
		fprintf(stderr, "tiny_httpd: bad port '%s'\n", argv[2]);
		return 2;
	}
	if (!argv[3][0] || strpbrk(argv[3], "\r\n") || strlen(argv[3]) > 200) {
		fprintf(stderr, "tiny_httpd: bad name '%s'\n", argv[3]);
		return 2;
	}
	/* body is "NAME\n"; the header prints name_len - 1 bytes */
	nl = malloc(strlen(argv[3]) + 2);
	if (!nl)
		return 1;
	sprintf(nl, "%s\n", argv[3]);
	name = nl;
	name_len = strlen(nl);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[1], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, argv[1], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sslen = sizeof(*sin6);
	} else {
		fprintf(stderr, "tiny_httpd: bad address '%s'\n", argv[1]);
		return 2;
	}

	signal(SIGPIPE, SIG_IGN);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("tiny_httpd: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sslen) || listen(fd, 1024)) {
		fprintf(stderr, "tiny_httpd: %s port %lu: %s\n", argv[1], port, strerror(errno));
		return 1;
	}

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	for (;;) {
		pthread_t t;
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (errno != EINTR && errno != ECONNABORTED)
					usleep(10000);
				continue;
			}
			perror("tiny_httpd: accept");
			return 1;
		}
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, &attr, conn_main, (void *)(long)c))
			close(c);
	}
}
