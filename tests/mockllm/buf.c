// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Growable byte buffers. The live bytes are [off, len): readers consume from
 * the front, writers append at the back; the dead prefix is reclaimed when
 * the buffer empties or when more room is needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mockllm.h"

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->cap - b->len >= extra)
		return 0;
	if (b->off) {	/* slide the live part down first */
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= extra)
			return 0;
	}
	need = b->len + extra;
	if (need < b->len)
		return -ENOMEM;
	cap = b->cap ? b->cap : 1024;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (buf_reserve(b, 256))
		return -ENOMEM;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= b->cap - b->len) {
		if (buf_reserve(b, (size_t)n + 1))
			return -ENOMEM;
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
	}
	b->len += (size_t)n;
	return 0;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n > b->len - b->off)
		n = b->len - b->off;
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void buf_reset(struct buf *b)
{
	b->off = b->len = 0;
}

/* Give memory back after a big request, keeping the live bytes. */
void buf_shrink(struct buf *b, size_t keep)
{
	size_t used = buf_used(b);
	char *p;

	if (b->cap <= keep || used > keep / 2)
		return;
	if (!used) {
		free(b->data);
		b->data = NULL;
		b->off = b->len = b->cap = 0;
		return;
	}
	memmove(b->data, b->data + b->off, used);
	b->off = 0;
	b->len = used;
	p = realloc(b->data, keep);
	if (p) {
		b->data = p;
		b->cap = keep;
	}
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
