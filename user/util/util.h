/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * util: the small helpers every part uses, written once: logging, the
 * monotonic clock, addresses, the in-process hash, directories, "did you
 * mean" suggestions, and the names of the data plane's enums. Nothing here
 * knows about policies, maps or sockets.
 *
 * Naming: every function and type here starts with util_; the logging
 * macros log_error() .. log_debug() are the one exception (short, as in
 * every C code base).
 */
#ifndef STEER_UTIL_H
#define STEER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "steer_abi.h"

/* ---- logging (log.c): stderr with a timestamp, or syslog ---- */

enum util_log_level {
	UTIL_LOG_ERROR = 0,
	UTIL_LOG_WARN,
	UTIL_LOG_INFO,
	UTIL_LOG_DEBUG,
};

void util_log_init(const char *ident, enum util_log_level level, bool use_syslog);
/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int util_log_level_parse(const char *s);
bool util_log_enabled(enum util_log_level level);
void util_log(enum util_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) util_log(UTIL_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) util_log(UTIL_LOG_WARN, __VA_ARGS__)
#define log_info(...) util_log(UTIL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) util_log(UTIL_LOG_DEBUG, __VA_ARGS__)

/* ---- systemd readiness (notify.c): no-ops without $NOTIFY_SOCKET ---- */

/*
 * READY=1 with a STATUS= line; a status alone; RELOADING=1 (then
 * util_notify_ready again); STOPPING=1. Return sd_notify(3)'s: > 0 sent,
 * 0 no socket, < 0 -errno.
 */
int util_notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int util_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int util_notify_reloading(void);
int util_notify_stopping(void);

/* ---- clock (clock.c) ---- */

/* CLOCK_MONOTONIC (bpf_ktime_get_ns's clock): ns; ms whole and with the fraction. */
uint64_t util_now_ns(void);
uint64_t util_now_ms(void);
double util_now_ms_f(void);

/* ---- addresses (addr.c) ---- */

/*
 * Parse "198.18.0.1" or "fd00::1" into a 16-byte network-order address
 * (IPv4 in the first 4 bytes); sets *family (STEER_AF_*). 0 or -EINVAL.
 */
int util_addr_parse(const char *s, uint8_t addr[16], uint8_t *family);
/* Parse "ADDR/LEN"; LEN defaults to the full length. */
int util_prefix_parse(const char *s, uint8_t addr[16], uint8_t *family, uint32_t *prefixlen);
/*
 * Parse "ADDR:PORT" or "[V6]:PORT" (numeric; a bare IPv6 address has no
 * port); with port_optional "ADDR" alone is fine (*port = 0). Port 1..65535
 * in host order. 0, -EINVAL (address or form), -ERANGE (port).
 */
int util_endpoint_parse(const char *s, uint8_t addr[16], uint8_t *family, uint16_t *port,
			bool port_optional);
/* Format an address; buf must hold 46 bytes. */
const char *util_addr_format(const uint8_t addr[16], uint8_t family, char *buf, size_t len);
/* "ADDR/LEN"; buf must hold 50 bytes. */
const char *util_prefix_format(const uint8_t addr[16], uint8_t family, uint32_t len, char *buf,
			       size_t size);

/* ---- FNV-1a, 64 bit ---- */

/*
 * The one hash steerd uses for in-process signatures and hash tables
 * (decision profiles, table contents, live-signal changes, policy changes).
 * Never stored or compared across hosts.
 */
#define UTIL_FNV_INIT 1469598103934665603ULL

static inline uint64_t util_fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static inline uint64_t util_fnv_u32(uint64_t h, uint32_t v)
{
	return util_fnv(h, &v, sizeof(v));
}

/* ---- files (fs.c) ---- */

/* mkdir -p with mode for each directory it creates. 0 or -errno. */
int util_mkdir_p(const char *path, mode_t mode);
/*
 * path made absolute against the working directory, without resolving
 * symbolic links (a policy that is a link keeps following it); NULL stays
 * NULL. Returns a copy to free, or NULL with errno set.
 */
char *util_abspath(const char *path);

/* ---- text (text.c) ---- */

/*
 * Optimal string alignment distance (insert, delete, substitute, or swap
 * two neighbours: one edit each), or a value above max as soon as the
 * distance must exceed max (names longer than 64 bytes: above max).
 */
unsigned int util_edit_distance(const char *a, const char *b, unsigned int max);
/*
 * "Did you mean": the name of names[0..n) nearest to word within max
 * edits (and fewer edits than the name is long), the first of equals;
 * NULL if none.
 */
const char *util_nearest(const char *word, const char *const *names, size_t n, unsigned int max);

/* ---- numbers (math.c) ---- */

bool util_is_prime(uint32_t n);

/* ---- names of the data plane's enums (names.c) ---- */

/* enum steer_backend_state: "unused", "active", "draining", "down", "failing";
 * "unknown" out of range. */
const char *util_backend_state_name(uint8_t state);

#endif /* STEER_UTIL_H */
