// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness: the Prometheus text parser (user/probe/promtext.c) on
 * whatever a model server might answer: every sample's name and labels
 * must lie inside the buffer, labels decode without overflowing, and a
 * scan for the engines' metrics counts no more samples than the walk saw.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

struct walk {
	const char *buf;
	size_t len;
	unsigned int n;
};

static void inside(const struct walk *w, const char *p, size_t n)
{
	if (n && (p < w->buf || p + n > w->buf + w->len))
		abort();
}

static int each(const struct probe_prom_sample *s, void *ctx)
{
	static const char *const labels[] = {"engine", "model_name", "le", "tp_rank", ""};
	struct walk *w = ctx;
	char out[64];
	size_t i;

	inside(w, s->name, s->name_len);
	inside(w, s->labels, s->labels_len);
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		int r = probe_prom_label(s, labels[i], out, sizeof(out));

		/* a value may hold NUL bytes (the text is not C strings) */
		if (r >= (int)sizeof(out) || (r >= 0 && strlen(out) > (size_t)r))
			abort();
	}
	(void)probe_prom_name_is(s, "vllm:num_requests_running");
	w->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: ASan sees any read past the end */
	char *buf = malloc(size ? size : 1);
	struct walk w = {buf, size, 0};
	struct probe_prom_want want[] = {
		{.name = "vllm:num_requests_running"}, {.name = "vllm:num_requests_waiting"},
		{.name = "vllm:kv_cache_usage_perc"},  {.name = "sglang:num_queue_reqs"},
		{.name = "sglang:token_usage"},	       {.name = ""},
	};
	unsigned int bad, bad2, i;
	int n, m;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	n = probe_prom_foreach(buf, size, each, &w, &bad);
	m = probe_prom_scan(buf, size, want, sizeof(want) / sizeof(want[0]), &bad2);
	if (n < 0 || m != n || (unsigned int)n != w.n || bad != bad2)
		abort();
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (want[i].samples + want[i].nans > (unsigned int)n)
			abort();
	free(buf);
	return 0;
}
