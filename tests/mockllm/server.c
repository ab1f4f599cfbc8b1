// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The event loop: listening sockets, connections (conn.c), the timerfd and
 * a signalfd in one level-triggered epoll set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "mockllm.h"

#define MAX_EVENTS	   256
#define ACCEPT_PAUSE_MS	   100	/* after EMFILE/ENFILE */

struct listener {
	struct watch w;
	char addr[INET6_ADDRSTRLEN + 8];
};

static int epfd = -1;
static struct listener listeners[MAX_LISTEN];
static unsigned int n_listeners;
static struct watch timer_watch = { .fd = -1 };
static struct watch signal_watch = { .fd = -1 };
static struct timer accept_timer;
static bool accept_paused;
static volatile bool stopping;

/* ---- epoll helpers ---- */

int watch_add(struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, w->fd, &ev);
}

int watch_mod(struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

static void listeners_enable(bool on)
{
	for (unsigned int i = 0; i < n_listeners; i++) {
		struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = &listeners[i].w };

		epoll_ctl(epfd, EPOLL_CTL_MOD, listeners[i].w.fd, &ev);
	}
	accept_paused = !on;
}

/* ---- listeners, signals ---- */

static void accept_resume(struct timer *t)
{
	(void)t;
	listeners_enable(true);
}

static void listener_event(struct watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < 256; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(w->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_new(fd, &ss);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) &&
		    !accept_paused) {
			fprintf(stderr, "mockllm: accept: %s (%u connections), pausing\n",
				strerror(errno), conn_count());
			listeners_enable(false);
			timer_arm(&accept_timer, now_ns() + ACCEPT_PAUSE_MS * NSEC_PER_MSEC);
		}
		return;
	}
}

static void timer_event(struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	timers_run();
}

static void signal_event(struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			stopping = true;
			break;
		case SIGUSR1:
			cfg.healthy = !cfg.healthy;
			fprintf(stderr, "mockllm %s: health %s\n", cfg.name,
				cfg.healthy ? "ok" : "failing");
			break;
		case SIGUSR2:
			cfg.slow = !cfg.slow;
			fprintf(stderr, "mockllm %s: slow mode %s (x%u)\n", cfg.name,
				cfg.slow ? "on" : "off", cfg.slow_factor);
			break;
		}
	}
}

static int listen_one(const char *spec)
{
	struct listener *l = &listeners[n_listeners];
	struct sockaddr_storage ss, bound;
	socklen_t sl, bl = sizeof(bound);
	int fd, one = 1, off = 0;
	bool any6;

	if (parse_listen(spec, &ss, &sl, &any6)) {
		fprintf(stderr, "mockllm: bad --listen '%s' (want ADDR:PORT or [ADDR6]:PORT)\n",
			spec);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && any6 && errno == EAFNOSUPPORT) {
		/* no IPv6 here: [::] falls back to 0.0.0.0 */
		struct sockaddr_in *s4 = (void *)&ss;
		uint16_t port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		memset(&ss, 0, sizeof(ss));
		s4->sin_family = AF_INET;
		s4->sin_port = port;
		sl = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		fprintf(stderr, "mockllm: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, any6 ? &off : &one, sizeof(int));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 4096)) {
		fprintf(stderr, "mockllm: listen %s: %s\n", spec, strerror(errno));
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&bound, &bl);
	format_addr(&bound, l->addr, sizeof(l->addr));
	if (any6 && bound.ss_family == AF_INET6)	/* say it: dual-stack */
		snprintf(l->addr, sizeof(l->addr), "[::]:%u",
			 ntohs(((struct sockaddr_in6 *)&bound)->sin6_port));
	l->w.fd = fd;
	l->w.fn = listener_event;
	if (watch_add(&l->w, EPOLLIN)) {
		close(fd);
		return -1;
	}
	n_listeners++;
	fprintf(stderr, "mockllm %s: listening on %s (model %s, engine %s, %u slots)\n", cfg.name,
		l->addr, cfg.model, engine_name(cfg.engine), cfg.slots);
	return 0;
}

int server_init(void)
{
	sigset_t mask;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || timers_init())
		return -1;
	timer_init(&accept_timer, accept_resume);
	timer_watch.fd = timers_fd();
	timer_watch.fn = timer_event;
	if (watch_add(&timer_watch, EPOLLIN))
		return -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -1;
	signal_watch.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	signal_watch.fn = signal_event;
	if (signal_watch.fd < 0 || watch_add(&signal_watch, EPOLLIN))
		return -1;

	for (unsigned int i = 0; i < cfg.n_listen; i++)
		if (listen_one(cfg.listen[i]))
			return -1;
	return 0;
}

int server_run(void)
{
	struct epoll_event events[MAX_EVENTS];

	while (!stopping) {
		int n;

		timers_sync();
		n = epoll_wait(epfd, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mockllm: epoll_wait: %s\n", strerror(errno));
			return -1;
		}
		/*
		 * Handlers only ever free their own connection, and the timerfd
		 * and signalfd are handled after sockets so that no callback frees
		 * a connection whose event is still in this batch.
		 */
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;

			if (w != &timer_watch && w != &signal_watch)
				w->fn(w, events[i].events);
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;

			if (w == &timer_watch || w == &signal_watch)
				w->fn(w, events[i].events);
		}
	}
	return 0;
}

void server_fini(void)
{
	conn_free_all();
	for (unsigned int i = 0; i < n_listeners; i++)
		close(listeners[i].w.fd);
	n_listeners = 0;
	if (signal_watch.fd >= 0)
		close(signal_watch.fd);
	signal_watch.fd = -1;
	timers_fini();
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}
