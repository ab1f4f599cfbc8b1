// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Timers: a binary min-heap of absolute CLOCK_MONOTONIC deadlines and one
 * timerfd (in the epoll set) armed for the earliest of them. Nothing polls:
 * the loop sleeps in epoll_wait until a socket or the timerfd is ready.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include "mockllm.h"

static struct timer **heap;
static size_t heap_len, heap_cap;
static int tfd = -1;
static uint64_t tfd_armed;	/* what the timerfd is set to, 0: disarmed */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

int timers_init(void)
{
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	return tfd < 0 ? -errno : 0;
}

void timers_fini(void)
{
	if (tfd >= 0)
		close(tfd);
	tfd = -1;
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
}

int timers_fd(void)
{
	return tfd;
}

void timer_init(struct timer *t, void (*fn)(struct timer *t))
{
	t->when = 0;
	t->idx = SIZE_MAX;
	t->fn = fn;
}

static void heap_set(size_t i, struct timer *t)
{
	heap[i] = t;
	t->idx = i;
}

static void sift_up(size_t i)
{
	struct timer *t = heap[i];

	while (i) {
		size_t p = (i - 1) / 2;

		if (heap[p]->when <= t->when)
			break;
		heap_set(i, heap[p]);
		i = p;
	}
	heap_set(i, t);
}

static void sift_down(size_t i)
{
	struct timer *t = heap[i];

	for (;;) {
		size_t l = 2 * i + 1, m = l;

		if (l >= heap_len)
			break;
		if (l + 1 < heap_len && heap[l + 1]->when < heap[l]->when)
			m = l + 1;
		if (heap[m]->when >= t->when)
			break;
		heap_set(i, heap[m]);
		i = m;
	}
	heap_set(i, t);
}

void timer_arm(struct timer *t, uint64_t when)
{
	if (timer_armed(t)) {
		uint64_t old = t->when;

		t->when = when;
		if (when < old)
			sift_up(t->idx);
		else
			sift_down(t->idx);
		return;
	}
	if (heap_len == heap_cap) {
		size_t cap = heap_cap ? heap_cap * 2 : 256;
		struct timer **h = realloc(heap, cap * sizeof(*h));

		if (!h)
			abort();	/* a lost timer would hang a client forever */
		heap = h;
		heap_cap = cap;
	}
	t->when = when;
	heap_set(heap_len++, t);
	sift_up(t->idx);
}

void timer_cancel(struct timer *t)
{
	size_t i = t->idx;

	if (!timer_armed(t))
		return;
	t->idx = SIZE_MAX;
	if (--heap_len == i)
		return;
	heap_set(i, heap[heap_len]);
	sift_up(i);
	sift_down(heap[i]->idx);
}

/* Run every timer that is due; a callback may re-arm its own timer. */
void timers_run(void)
{
	uint64_t expirations, now = now_ns();

	if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	tfd_armed = 0;	/* a fired timerfd is disarmed */
	while (heap_len && heap[0]->when <= now) {
		struct timer *t = heap[0];

		timer_cancel(t);
		t->fn(t);
	}
}

/* Point the timerfd at the earliest deadline (called once per loop turn). */
void timers_sync(void)
{
	struct itimerspec its;
	uint64_t when = heap_len ? heap[0]->when : 0;

	if (when == tfd_armed)
		return;
	memset(&its, 0, sizeof(its));
	if (when) {
		its.it_value.tv_sec = (time_t)(when / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(when % NSEC_PER_SEC);
	}
	if (!timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL))
		tfd_armed = when;
}
