#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Generate a large steer policy for control-plane benchmarks:
#   gen-policy.sh TENANTS TASKS BACKENDS [METRICS_BASE_PORT] > policy.yaml
# Tenants get one /32 (and /128) each and one of 8 constraint profiles;
# backends spread over 8 models, 4 regions, 4 safety tiers and both address
# families. With METRICS_BASE_PORT, backend i is probed at
# http://127.0.0.1:(BASE+i)/health and /metrics (e.g. mockllm --listen).
set -euo pipefail
T=${1:?tenants} K=${2:?tasks} B=${3:?backends} BASE=${4:-}
[ "$K" -le 16 ] || { echo "gen-policy: at most 16 tasks" >&2; exit 2; }

echo "# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)"
echo "# generated: $T tenants x $K tasks x $B backends"
echo "settings:"
echo "  probe_interval_ms: 500"
echo "  maglev_size: 16381"
echo "tasks:"
for k in $(seq 0 $((K - 1))); do echo "  - task$k"; done
echo "models:"
for m in $(seq 0 7); do
	echo "  - name: model$m"
	echo "    cost: $(awk "BEGIN {print 0.1 + $m * 0.3}")"
	printf "    quality: {"
	for k in $(seq 0 $((K - 1))); do
		[ $k -gt 0 ] && printf ", "
		printf "task%d: %s" "$k" "$(awk "BEGIN {printf \"%.2f\", 0.4 + (($m * 7 + $k * 3) % 10) / 20}")"
	done
	echo "}"
done
echo "services:"
for k in $(seq 0 $((K - 1))); do
	echo "  - {name: s4-$k, vip: 198.18.100.$((k + 1)), port: 80, task: task$k}"
	echo "  - {name: s6-$k, vip: \"fd00:100::$((k + 1))\", port: 80, task: task$k}"
done
echo "backends:"
for i in $(seq 1 "$B"); do
	if [ $((i % 2)) -eq 0 ]; then
		a="198.19.$((i / 256)).$((i % 256))"
		ua=$a
	else
		a="\"fd00:200::$(printf %x "$i")\""
		ua="[fd00:200::$(printf %x "$i")]"
	fi
	echo "  - name: be$i"
	echo "    address: $a"
	echo "    port: 8000"
	echo "    model: model$((i % 8))"
	echo "    provider: p$((i % 3))"
	echo "    region: r$((i % 4))"
	echo "    safety_tier: $((i % 4))"
	echo "    capacity: $((8 + i % 24))"
	if [ -n "$BASE" ]; then
		echo "    health_url: http://127.0.0.1:$((BASE + i))/health"
		echo "    metrics_url: http://127.0.0.1:$((BASE + i))/metrics"
	fi
	: "$ua"
done
echo "tenants:"
echo "  - {name: default, action: reject}"
for t in $(seq 1 "$T"); do
	p=$((t % 8))
	echo "  - name: t$t"
	echo "    prefixes: [198.18.$((t / 256 + 8)).$((t % 256))/32, \"fd00:8::$(printf %x "$t")/128\"]"
	echo "    min_safety_tier: $((p % 3))"
	[ $((p % 2)) -eq 1 ] && echo "    regions: [r$((p % 4)), r$(((p + 1) % 4))]"
	[ $p -ge 4 ] && echo "    max_cost: $(awk "BEGIN {print 0.5 + $p * 0.2}")"
	echo "    priority: $((t % 3))"
done
