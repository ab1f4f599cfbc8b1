#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# contrib/: the Prometheus alert rules pass promtool check rules and their
# unit tests (promtool test rules: each alert fires on the series meant to
# fire it), the Grafana dashboard is valid JSON with a query in every panel,
# and every metric that the rules and the dashboard name is one that a real
# steerd serves (a # TYPE line in its /metrics), so neither drifts from the
# code. promtool comes with Debian's prometheus package; without it those
# checks are skipped, not faked.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
RULES=$STEER_TOP/contrib/prometheus/steer-alerts.yml
DASH=$STEER_TOP/contrib/grafana/steer-dashboard.json
steer_init contrib
command -v python3 >/dev/null || skip "missing tool: python3"
[ -x "$STEERD" ] || die "missing $STEERD (run make first)"

if command -v promtool >/dev/null; then
	check "promtool check rules" promtool check rules "$RULES"
	check "promtool test rules (alerts fire as meant)" \
		bash -c "cd '$STEER_TOP/contrib/prometheus' && promtool test rules steer-alerts.test.yml"
else
	echo "    promtool missing (Debian package prometheus): rule checks skipped"
fi
check "dashboard is JSON, every panel but rows has a query" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ps = [p for p in d["panels"] if p["type"] != "row"]
assert len(ps) >= 20, len(ps)
for p in ps:
    assert p["targets"] and all(t["expr"] for t in p["targets"]), p["title"]
titles = " ".join(p["title"] for p in d["panels"] if p["type"] == "row")
for want in ("steerd", "backends", "tenants", "classes", "reasons"):
    assert want in titles, want' "$DASH"

# a real steerd's families
ns_add gw
POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<'EOT'
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 300, maglev_size: 251}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}
backends:
  - {name: be1, address: 127.0.0.1, port: 9, model: m1, provider: p, region: r, capacity: 4}
tenants:
  - {name: t, prefixes: [198.18.1.0/24]}
EOT
bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --pin-root "$PIN" --socket none \
	--state "$RUN_DIR/state.json" --no-attach --metrics 127.0.0.1:9464 --config "$POLICY"
for _ in $(seq 50); do
	nsx gw curl -sf --max-time 2 http://127.0.0.1:9464/metrics >"$RUN_DIR/metrics.txt" 2>/dev/null &&
		grep -q '^steerd_publishes_total [1-9]' "$RUN_DIR/metrics.txt" && break
	sleep 0.2
done
sed -n 's/^# TYPE \([a-z_:]*\) .*/\1/p' "$RUN_DIR/metrics.txt" | sort -u >"$RUN_DIR/families"
check "steerd served its families ($(wc -l <"$RUN_DIR/families"))" test -s "$RUN_DIR/families"
# metric names in the rules and the dashboard (labels and functions are not)
used=$(cat "$RULES" "$DASH" | grep -oE '\b(steerd|steer|process)_[a-z_]+' |
	grep -vE '^steer_(gateway|alerts)$' | sort -u)
missing=""
for m in $used; do
	grep -qx "$m" "$RUN_DIR/families" || missing="$missing $m"
done
expect "every metric the rules and the dashboard use is served" "${missing# }" ""
check "the rules use the publish-failure and conntrack-capacity families" \
	bash -c "grep -q steerd_publish_failures_total '$RULES' && grep -q steer_conntrack_capacity '$RULES'"
check "conntrack capacity is the ct map's size" \
	grep -Eq '^steer_conntrack_capacity\{table="ct"\} [1-9][0-9]*$' "$RUN_DIR/metrics.txt"

summary
