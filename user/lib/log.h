/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Leveled logging to stderr (with a timestamp) or syslog. */
#ifndef STEER_LOG_H
#define STEER_LOG_H

#include <stdbool.h>

enum steer_log_level {
	STEER_LOG_ERROR = 0,
	STEER_LOG_WARN,
	STEER_LOG_INFO,
	STEER_LOG_DEBUG,
};

void steer_log_init(const char *ident, enum steer_log_level level, bool use_syslog);
/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int steer_log_level_parse(const char *s);
bool steer_log_enabled(enum steer_log_level level);
void steer_log(enum steer_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) steer_log(STEER_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) steer_log(STEER_LOG_WARN, __VA_ARGS__)
#define log_info(...) steer_log(STEER_LOG_INFO, __VA_ARGS__)
#define log_debug(...) steer_log(STEER_LOG_DEBUG, __VA_ARGS__)

#endif /* STEER_LOG_H */
