#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerd's Prometheus endpoint in a namespace testbed: a client, a gateway
# running steerd with --metrics 127.0.0.1:PORT, two mockllm backends.
#
#   cli eth0 ── cli0 [gw: steerd] be1 ── eth0 be1 (mockllm)
#                                 be2 ── eth0 be2 (mockllm)
#
# Checks: /metrics answers with the text format's content type, every
# family has HELP/TYPE and every sample parses; health and weights show;
# after traffic the backend and tenant counters moved and equal what
# bpftool reads from backend_stats; a rejected source shows under the
# default tenant, its class and the data plane reason; a reload counts;
# the endpoint is loopback only; a bad --metrics is refused.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
MOCKLLM=$STEER_OUT/mockllm
VIP=198.18.100.1
INTERVAL_MS=300
PORT=$((19000 + RANDOM % 1000))
N_REQ=12

steer_init metrics
for t in "$STEERD" "$MOCKLLM"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done

# ---- refused options (no namespace needed) ----
rc=0
"$STEERD" --metrics bogus --config /dev/null >/dev/null 2>&1 || rc=$?
expect "--metrics bogus is refused" "$rc" 2
rc=0
"$STEERD" --metrics 127.0.0.1:99999 --config /dev/null >/dev/null 2>&1 || rc=$?
expect "--metrics with a bad port is refused" "$rc" 2

# ---- topology ----
star_topo 2 198.18.1.200/24
for i in 1 2; do
	bg be$i "$RUN_DIR/be$i.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name be$i --model m1 \
		--slots 8 --ttft-ms 1 --tps 1000 --max-tokens 1
done
for i in 1 2; do
	wait_listen be$i 8000 || die "mockllm be$i not listening: $(cat "$RUN_DIR/be$i.out")"
done

POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<EOF
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings:
  probe_interval_ms: $INTERVAL_MS
  probe_timeout_ms: 200
  staleness_ms: 1500
  health_rise: 1
  health_fall: 2
  maglev_size: 251
tasks: [chat]
models:
  - name: m1
    cost: 1
    quality: {chat: 0.8}
services:
  - {name: chat, vip: $VIP, port: 80, task: chat}
backends:
EOF
for i in 1 2; do
	cat >>"$POLICY" <<EOF
  - name: be$i
    id: $i
    address: 198.18.$((i + 1)).2
    port: 8000
    model: m1
    provider: self
    region: lab
    capacity: 8
    health_url: http://198.18.$((i + 1)).2:8000/health
    metrics_url: http://198.18.$((i + 1)).2:8000/metrics
EOF
done
cat >>"$POLICY" <<EOF
tenants:
  - name: default
    min_safety_tier: 100
    action: reject
  - name: lab
    id: 1
    prefixes: [198.18.1.0/25]
EOF

extra=()
if "$STEERD" --help | grep -q -- '--socket'; then
	extra+=(--socket "$RUN_DIR/steerd.sock")
fi
bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --pin-root "$PIN" --config "$POLICY" \
	--xdp cli0 --tc be1 --tc be2 --metrics "127.0.0.1:$PORT" "${extra[@]}"
STEERD_PID=${STEER_PIDS[-1]}

METRICS=$RUN_DIR/metrics.txt
scrape() {
	nsx gw curl -sf -m 5 -o "$METRICS" "http://127.0.0.1:$PORT/metrics"
}
# value of the one sample matching an exact "name{labels}" prefix
val() {
	awk -v k="$1" 'index($0, k " ") == 1 || ($0 !~ /^#/ && index($0, k) == 1 &&
		substr($0, length(k) + 1, 1) == " ") {print $NF; exit}' "$METRICS"
}
# value of the first sample whose name is $1 and whose line contains all of $2..
grepval() {
	local name=$1 l
	shift
	l=$(grep -E "^$name[{ ]" "$METRICS" || true)
	for f in "$@"; do l=$(echo "$l" | grep -F -- "$f" || true); done
	echo "$l" | head -1 | awk '{print $NF}'
}
ready() {
	scrape || return 1
	[ "$(grepval steer_backend_up 'backend="be1"')" = 1 ] &&
		[ "$(grepval steer_backend_up 'backend="be2"')" = 1 ] &&
		[ -n "$(grepval steer_backend_weight 'backend="be1"' 'tenant="lab"')" ]
}
wait_for 80 ready || die "metrics never showed both backends up with weights: $(tail -20 "$RUN_DIR/steerd.log")"
log "steerd serving /metrics on 127.0.0.1:$PORT"

# ---- format ----
hdr=$(nsx gw curl -s -m 5 -o /dev/null -D - "http://127.0.0.1:$PORT/metrics" | tr -d '\r')
check "HTTP 200" grep -q '^HTTP/1.1 200' <<<"$hdr"
check "content type is the text format 0.0.4" \
	grep -qi '^content-type: text/plain; version=0.0.4' <<<"$hdr"
code=$(nsx gw curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")
expect "unknown path is 404" "$code" 404
code=$(nsx gw curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/metrics")
expect "POST is 405" "$code" 405
# every sample line: name{labels} value, and its family has HELP and TYPE
bad=$(grep -v '^#' "$METRICS" | grep -cvE \
	'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?([0-9.eE+-]+|NaN|Inf)$' || true)
expect "every sample line is well formed" "$bad" 0
missing=0
for fam in $(grep -v '^#' "$METRICS" | sed -E 's/[{ ].*//' | sort -u); do
	grep -q "^# TYPE $fam " "$METRICS" && grep -q "^# HELP $fam " "$METRICS" ||
		{ echo "  no HELP/TYPE for $fam"; missing=$((missing + 1)); }
done
expect "every family has HELP and TYPE" "$missing" 0
for fam in steerd_up steerd_probe_rounds_total steerd_publishes_total \
	steerd_last_decide_seconds steerd_last_publish_seconds steerd_uptime_seconds \
	steerd_policy_reloads_total process_cpu_seconds_total process_resident_memory_bytes \
	steer_backend_state steer_backend_up steer_backend_weight steer_backend_active_flows \
	steer_backend_new_flows_total steer_backend_packets_total steer_backend_bytes_total \
	steer_backend_probe_latency_seconds steer_backend_running_requests \
	steer_backend_waiting_requests steer_backend_kv_cache_usage_ratio \
	steer_backend_signals_stale steer_tenant_new_flows_total steer_tenant_rejected_total \
	steer_class_table_id steer_class_generation steer_dp_packets_total; do
	check "family $fam present" grep -qE "^$fam[{ ]" "$METRICS"
done
expect "steerd_up" "$(val steerd_up)" 1
expect "be1 state active" "$(grepval steer_backend_state 'backend="be1"' 'state="active"')" 1
expect "be1 signals fresh" "$(grepval steer_backend_signals_stale 'backend="be1"')" 0
check "lab's class has a table" test "$(grepval steer_class_table_id 'tenant="lab"')" -gt 0
expect "default's class rejects (table 0)" "$(grepval steer_class_table_id 'tenant="default"')" 0

# ---- traffic ----
nf0_1=$(grepval steer_backend_new_flows_total 'backend="be1"')
nf0_2=$(grepval steer_backend_new_flows_total 'backend="be2"')
ok=0
for _ in $(seq $N_REQ); do
	nsx cli curl -s -m 5 -o /dev/null -H 'Content-Type: application/json' \
		-d '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		"http://$VIP/v1/chat/completions" && ok=$((ok + 1))
done
expect "requests through the VIP" "$ok" "$N_REQ"
# a source outside lab's prefix: default tenant, rejected
nsx cli curl -s -m 1 --interface 198.18.1.200 -o /dev/null "http://$VIP/" || true

scrape
rounds0=$(val steerd_probe_rounds_total)
moved() {
	scrape && [ "$(val steerd_probe_rounds_total)" -gt $((rounds0 + 1)) ]
}
wait_for 30 moved || die "metrics not re-rendered after traffic"
nf1=$(grepval steer_backend_new_flows_total 'backend="be1"')
nf2=$(grepval steer_backend_new_flows_total 'backend="be2"')
expect "backend new flows moved by the request count" $((nf1 + nf2 - nf0_1 - nf0_2)) "$N_REQ"
expect "tenant lab admitted flows" "$(grepval steer_tenant_new_flows_total 'tenant="lab"')" "$N_REQ"
check "tenant default rejected by policy" \
	test "$(grepval steer_tenant_rejected_total 'tenant="default"' 'reason="policy"')" -ge 1
check "class default/chat rejected" \
	test "$(grepval steer_class_rejected_total 'tenant="default"')" -ge 1
check "data plane reason drop_reject_policy counted" \
	test "$(grepval steer_dp_packets_total 'hook="xdp"' 'reason="drop_reject_policy"')" -ge 1
check "reply packets counted (TC)" \
	test "$(grepval steer_backend_packets_total 'backend="be1"' 'direction="reply"')" -gt 0

# the same numbers as bpftool's view of backend_stats (summed over CPUs)
bpf_sum() { # backend id, field
	bpftool -j map lookup pinned "$PIN/backend_stats" key "$1" 0 0 0 |
		jq "[.formatted.values[].value.$2] | add"
}
for i in 1 2; do
	for pair in new_flows:steer_backend_new_flows_total \
		packets:'steer_backend_packets_total direction="forward"' \
		bytes:'steer_backend_bytes_total direction="forward"' \
		reply_packets:'steer_backend_packets_total direction="reply"' \
		reply_bytes:'steer_backend_bytes_total direction="reply"'; do
		field=${pair%%:*}
		spec=${pair#*:}
		name=${spec%% *}
		lbl=${spec#"$name"}
		lbl=${lbl# }
		if [ -n "$lbl" ]; then
			m=$(grepval "$name" "backend=\"be$i\"" "$lbl")
		else
			m=$(grepval "$name" "backend=\"be$i\"")
		fi
		expect "be$i $field: metrics = bpftool" "$m" "$(bpf_sum "$i" "$field")"
	done
	nf=$(bpf_sum "$i" new_flows)
	cf=$(bpf_sum "$i" closed_flows)
	expect "be$i active flows = new - closed" \
		"$(grepval steer_backend_active_flows "backend=\"be$i\"")" $((nf - cf))
done

# ---- reload, loopback only ----
kill -HUP "$STEERD_PID"
wait_for 30 bash -c "$(declare -f scrape val); METRICS=$METRICS PORT=$PORT RUNID=$RUNID; \
	$(declare -f nsx ns); scrape && [ \"\$(val 'steerd_policy_reloads_total{result=\"success\"}')\" = 1 ]" ||
	true
scrape
expect "reload counted" "$(val 'steerd_policy_reloads_total{result="success"}')" 1
code=$(nsx cli curl -s -m 2 -o /dev/null -w '%{http_code}' "http://198.18.1.1:$PORT/metrics" || true)
expect "not reachable from the client side (loopback only)" "$code" 000

summary
