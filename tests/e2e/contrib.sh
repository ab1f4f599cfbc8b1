#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# contrib/: the Prometheus alert rules and the Grafana dashboard.
# - promtool accepts the rules, and their unit tests (alerts fire on the
#   series they are meant for, and not on healthy ones) pass;
# - the dashboard is valid JSON Grafana can import: unique panel ids, every
#   panel on the 24-column grid, a Prometheus query in every target;
# - every metric the rules and the dashboard name is one a running steerd
#   serves (# TYPE line on /metrics), so a renamed metric fails here.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RULES=$TOP/contrib/prometheus/steer-alerts.yml
DASH=$TOP/contrib/grafana/steer-dashboard.json

steer_init contrib
command -v promtool >/dev/null || die "missing promtool (Debian package prometheus: scripts/install-deps.sh)"
command -v jq >/dev/null || die "missing jq"

check "promtool check rules" promtool check rules "$RULES"
check "alert rules' unit tests (promtool test rules)" \
	bash -c "cd '$TOP/contrib/prometheus' && promtool test rules steer-alerts.test.yml"

check "dashboard is JSON with panels" jq -e '.uid and (.panels | length > 10)' "$DASH"
expect "panel ids unique" "$(jq '[.panels[].id] | length - (unique | length)' "$DASH")" 0
expect "panels inside the 24-column grid" \
	"$(jq '[.panels[] | select(.gridPos.x + .gridPos.w > 24)] | length' "$DASH")" 0
expect "every non-row panel has a Prometheus query in each target" \
	"$(jq '[.panels[] | select(.type != "row") | select((.targets | length) == 0 or
		any(.targets[]; (.expr // "") == ""))] | length' "$DASH")" 0

# a live steerd's families (no interfaces: publishing into this run's bpffs)
ns_add gw
port=$((20000 + RANDOM % 20000))
sed '/^interfaces:/,/^[^ #]/{/^interfaces:/d;/^ /d}' "$TOP/examples/policy.yaml" >"$RUN_DIR/policy.yaml"
bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --no-attach --pin-root "$PIN" \
	--config "$RUN_DIR/policy.yaml" --socket "$RUN_DIR/steerd.sock" \
	--state "$RUN_DIR/state.json" --metrics "127.0.0.1:$port"
got=0
for _ in $(seq 50); do
	if nsx gw curl -sf "127.0.0.1:$port/metrics" -o "$RUN_DIR/metrics.txt" &&
		grep -q '^steer_conntrack_flows' "$RUN_DIR/metrics.txt"; then
		got=1
		break
	fi
	sleep 0.2
done
[ $got = 1 ] || { cat "$RUN_DIR/steerd.log" >&2; die "steerd served no /metrics with conntrack figures"; }
sed -n 's/^# TYPE \([a-z_:]*\) .*/\1/p' "$RUN_DIR/metrics.txt" | sort -u >"$RUN_DIR/families"
echo up >>"$RUN_DIR/families" # Prometheus' own, per scrape job
{
	grep -v '^ *#' "$RULES" | grep -o '\b\(steerd\?\|process\)_[a-z_]*\|\bup{'  | tr -d '{'
	jq -r '.panels[].targets[]?.expr, .templating.list[].definition? // empty' "$DASH" |
		grep -o '\b\(steerd\?\|process\)_[a-z_]*'
} | sort -u >"$RUN_DIR/named"
missing=$(comm -23 "$RUN_DIR/named" <(sort -u "$RUN_DIR/families") | tr '\n' ' ')
log "rules and dashboard name $(wc -l <"$RUN_DIR/named") metrics"
expect "every metric named by the rules and the dashboard is served by steerd" "$missing" ""
check "conntrack capacity is served (ct and ct_syn)" \
	grep -q '^steer_conntrack_capacity{table="ct_syn"} [1-9]' "$RUN_DIR/metrics.txt"

summary
