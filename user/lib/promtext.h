/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Prometheus text exposition format (version 0.0.4) reader, for the load
 * signals model servers export (vLLM, SGLang, Chitu).
 *
 * The input is a byte buffer of known length, never read past its end and
 * not required to be NUL-terminated. Lines end with "\n" or "\r\n"; the
 * last line may lack its end. Blank lines and comments ("# HELP", "# TYPE",
 * any line whose first non-blank character is '#') are skipped. A sample
 * line is
 *
 *	name[{label="value",...}] value [timestamp]
 *
 * with blanks (spaces, tabs) allowed between tokens, an optional trailing
 * comma in the label set, label values escaped with \\, \" and \n only
 * (any other escape makes the line malformed, as in Prometheus), values as
 * decimal floats with optional exponent or NaN, Inf, +Inf, -Inf (any case,
 * "Infinity" too), and an optional integer timestamp in milliseconds.
 * A malformed line is skipped and counted; it never stops the walk.
 * Histograms and summaries are plain samples named *_bucket, *_sum, *_count.
 */
#ifndef STEER_PROMTEXT_H
#define STEER_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One sample, pointing into the caller's buffer (valid during the callback only). */
struct promtext_sample {
	const char *name;	/* metric name, not NUL-terminated */
	size_t name_len;
	const char *labels;	/* raw text between the braces, escapes kept; len 0 if none */
	size_t labels_len;
	double value;		/* may be NaN or +-Inf */
	bool has_timestamp;
	int64_t timestamp_ms;
	unsigned int line;	/* 1-based line number */
};

/* Return 0 to go on; anything else stops the walk (use a negative errno). */
typedef int (*promtext_cb)(const struct promtext_sample *s, void *ctx);

/*
 * Call cb for every well-formed sample of buf[0..len), in order. Returns the
 * number of samples seen (saturating at INT_MAX), or the callback's nonzero
 * return value if it stopped the walk, or -EINVAL (buf NULL with len > 0,
 * cb NULL). *bad_lines (if not NULL) gets the number of malformed lines.
 */
int promtext_foreach(const char *buf, size_t len, promtext_cb cb, void *ctx,
		     unsigned int *bad_lines);

/* Does the sample have this name? (name is NUL-terminated) */
bool promtext_name_is(const struct promtext_sample *s, const char *name);

/*
 * Decoded value of the label called name in s, written NUL-terminated into
 * out[out_size]. Returns its length, -ENOENT if the sample has no such
 * label, -ENOSPC if it does not fit (out then holds a truncated prefix).
 */
int promtext_label(const struct promtext_sample *s, const char *name, char *out,
		   size_t out_size);

/*
 * A wanted metric: promtext_scan sums its samples over all label sets
 * (model_name, engine, tp_rank, ...). NaN samples are not added to sum nor
 * counted in samples; they are counted in nans. +-Inf samples are added.
 */
struct promtext_want {
	const char *name;	/* in: NUL-terminated; NULL or "" matches nothing */
	double sum;		/* out: sum of the non-NaN samples, 0 if none */
	unsigned int samples;	/* out: non-NaN samples added */
	unsigned int nans;	/* out: NaN samples skipped */
};

/*
 * Fill want[0..n_want) from buf (sum, samples and nans are reset first).
 * Returns the number of well-formed samples in buf (matched or not), or
 * -EINVAL. *bad_lines (if not NULL) gets the number of malformed lines.
 */
int promtext_scan(const char *buf, size_t len, struct promtext_want *want, size_t n_want,
		  unsigned int *bad_lines);

#endif /* STEER_PROMTEXT_H */
