// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Slots and queue: at most cfg.slots requests generate at once, the others
 * wait in FIFO order. A running request's timing is fixed when it gets its
 * slot (from the config of that moment, times the slow factor in slow
 * mode): token i is due at start + ttft + i * tok, and the request ends at
 * start + ttft + n * tok. Each connection's timer fires at the next due
 * time; tokens that fell due meanwhile go out together, so high token
 * rates cost one wake-up per timer tick, not one per token.
 */
#include "mockllm.h"

struct stats stats;

static struct qnode queue = { &queue, &queue };

/*
 * Due times are rounded up to the next TICK_NS boundary so that requests
 * due at about the same time share one wake-up (at most 1 ms late).
 */
#define TICK_NS (NSEC_PER_MSEC)

static void set_due(struct conn *c, uint64_t when)
{
	conn_set_deadline(c, (when + TICK_NS - 1) / TICK_NS * TICK_NS);
}
static unsigned int running, waiting;

unsigned int sched_running(void)
{
	return running;
}

unsigned int sched_waiting(void)
{
	return waiting;
}

static void start(struct conn *c)
{
	struct gen *g = &c->gen;
	uint64_t mult = cfg.slow ? cfg.slow_factor : 1;
	uint64_t now = now_ns();

	g->state = GEN_RUNNING;
	running++;
	g->start_ns = now;
	g->ttft_ns = (uint64_t)cfg.ttft_ms * NSEC_PER_MSEC * mult;
	g->tok_ns = NSEC_PER_SEC * mult / cfg.tps;
	c->log_queue_ns = now - c->ready_ns;
	if (cfg.engine == ENGINE_SGLANG)
		metrics_observe(HIST_SGLANG_QUEUE, now - c->ready_ns);
	set_due(c, now + g->ttft_ns);
}

void sched_submit(struct conn *c)
{
	struct gen *g = &c->gen;

	g->queued_ns = c->ready_ns;
	if (running < cfg.slots && queue.next == &queue) {
		start(c);
		return;
	}
	g->state = GEN_QUEUED;
	g->q.prev = queue.prev;
	g->q.next = &queue;
	queue.prev->next = &g->q;
	queue.prev = &g->q;
	waiting++;
}

/* Start queued requests while slots are free (after a release or a resize). */
void sched_kick(void)
{
	while (running < cfg.slots && queue.next != &queue) {
		struct qnode *q = queue.next;
		struct gen *g = container_of(q, struct gen, q);

		queue.next = q->next;
		q->next->prev = &queue;
		waiting--;
		start(container_of(g, struct conn, gen));
	}
}

/* The request leaves the scheduler (finished or aborted). */
void sched_cancel(struct conn *c)
{
	struct gen *g = &c->gen;

	if (g->state == GEN_QUEUED) {
		g->q.prev->next = g->q.next;
		g->q.next->prev = g->q.prev;
		waiting--;
	} else if (g->state == GEN_RUNNING) {
		running--;
	}
	g->state = GEN_NONE;
	sched_kick();
}

void sched_tick(struct conn *c)
{
	struct gen *g = &c->gen;
	uint64_t now = now_ns(), first = g->start_ns + g->ttft_ns;
	uint64_t end = first + g->n_tokens * g->tok_ns;

	if (now >= first) {
		uint64_t due = g->tok_ns ? (now - first) / g->tok_ns + 1 : g->n_tokens;
		unsigned int upto = due < g->n_tokens ? (unsigned int)due : g->n_tokens;

		if (!g->first_ns) {
			g->first_ns = g->stream ? now : first;
			metrics_observe(HIST_TTFT, g->first_ns - c->ready_ns);
		}
		if (g->stream && upto > g->emitted)
			api_emit_tokens(c, upto);
	}
	if (now >= end) {
		c->log_tokens = g->n_tokens;
		c->log_ttft_ns = g->first_ns - c->ready_ns;
		if (g->max_given)
			stats.finished_length++;
		else
			stats.finished_stop++;
		stats.prompt_tokens += g->prompt_tokens;
		stats.gen_tokens += g->n_tokens;
		if (cfg.engine == ENGINE_VLLM) {
			metrics_observe(HIST_VLLM_QUEUE, g->start_ns - c->ready_ns);
			metrics_observe(HIST_VLLM_PREFILL, g->first_ns - g->start_ns);
		}
		sched_cancel(c);	/* frees the slot, starts the next one */
		api_finish(c);		/* may free c */
		return;
	}
	if (g->stream && g->emitted < g->n_tokens)
		set_due(c, first + g->emitted * g->tok_ns);
	else
		set_due(c, end);
	if (g->stream)
		conn_push(c);	/* may free c */
}
