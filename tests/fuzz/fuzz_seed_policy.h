/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The policy the control-request and state-file fuzzers change. */
#ifndef FUZZ_SEED_POLICY_H
#define FUZZ_SEED_POLICY_H

static const char fuzz_seed_policy[] =
	"settings: {probe_interval_ms: 300, maglev_size: 251}\n"
	"tasks: [chat, code]\n"
	"models:\n"
	"  - {name: m1, cost: 1, quality: {chat: 0.8, code: 0.5}}\n"
	"  - {name: m2, cost: 0.2, quality: {chat: 0.6}}\n"
	"services:\n"
	"  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}\n"
	"  - {name: chat6, vip: 'fd00:100::1', port: 80, task: chat}\n"
	"backends:\n"
	"  - {name: be1, id: 1, address: 198.18.2.2, port: 8000, model: m1, provider: self,\n"
	"     region: lab, capacity: 4, health_url: 'http://198.18.2.2:8000/health'}\n"
	"  - {name: be2, id: 2, address: 198.18.3.2, port: 8000, model: m2, provider: p,\n"
	"     region: eu, capacity: 8}\n"
	"tenants:\n"
	"  - {name: default, action: reject}\n"
	"  - {name: lab, id: 1, prefixes: [198.18.1.0/24, 'fd00:1::/64'],\n"
	"     admission: {rate: 100, burst: 10, max_conns: 50}}\n";

#endif /* FUZZ_SEED_POLICY_H */
