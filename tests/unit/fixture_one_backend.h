/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A policy of one task (chat), one model, one service and one backend
 * (be1, capacity 10), the default tenant rejecting, for unit tests of
 * steerd's parts (tests/unit/test_known_tenants.c, test_ttft.c).
 * SETTINGS: a "settings: {...}\n" line or ""; BE1_EXTRA: more of be1's
 * fields, each after a comma (", metrics_url: ...") or "". The tenants
 * list is last: append tenant lines to it.
 */
#ifndef FIXTURE_ONE_BACKEND_H
#define FIXTURE_ONE_BACKEND_H

#define ONE_BACKEND_POLICY(SETTINGS, BE1_EXTRA)                                               \
	SETTINGS "tasks: [chat]\n"                                                             \
		 "models:\n"                                                                   \
		 "  - {name: m1, cost: 1, quality: {chat: 0.8}}\n"                             \
		 "services:\n"                                                                 \
		 "  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}\n"                 \
		 "backends:\n"                                                                 \
		 "  - {name: be1, address: 198.18.2.2, port: 8000, model: m1, provider: self," \
		 " region: lab, capacity: 10" BE1_EXTRA "}\n"                                  \
		 "tenants:\n"                                                                  \
		 "  - {name: default, action: reject}\n"

#endif /* FIXTURE_ONE_BACKEND_H */
