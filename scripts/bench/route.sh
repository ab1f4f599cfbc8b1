#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Routing quality: open-loop streaming chat completions (tests/bench/loadgen,
# a new connection per request, fixed arrival rate) through the gateway to
# mockllm backends of unequal speed.
#
#   cli eth0 ── cli0 [gw] be1 ── be1: fast  (4 slots, TTFT 50 ms, 100 tok/s)
#                         be2 ── be2: slow  (4 slots, TTFT 200 ms, 25 tok/s: 4x)
#                         be3 ── be3: cheap (fast, cheaper model, safety tier 1)
#
# A. latency, be1 + be2 (same model, same declared capacity):
#    maglev-equal  steer with a static equal-weight Maglev table (dpctl)
#    steer         steerd, load-aware weights from the backends' vLLM metrics,
#                  bounded load on (balance_factor 1.25, the default)
#    steer-nobound the same with balance_factor 0 (plain Maglev between
#                  publishes)
#    haproxy       HAProxy mode tcp, balance leastconn
#    p50/p99 time to first token and completion time (warm-up excluded).
# B. cost, be1 + be2 + be3, two tenants (198.18.1.2: min_safety_tier 2, so
#    never be3; 198.18.1.3: unconstrained): steerd with the cost-aware
#    objective vs a cost-blind one (objective.cost 0); cost per million
#    tokens and constraint violations counted from the backends' own logs.
#
#   route.sh OUTDIR [SECONDS RATE]      (default 20 s, 12 requests/s)
set -euo pipefail
OUTDIR=$(realpath "${1:?outdir}")
DUR=${2:-20}
RATE=${3:-12}
WARM=$(awk -v d="$DUR" 'BEGIN { w = d / 5; if (w > 3) w = 3; print w }')
# shellcheck source-path=SCRIPTDIR source=../../tests/e2e/lib.sh
. "$(dirname "$0")/../../tests/e2e/lib.sh"
STEERD=$STEER_OUT/steerd
MOCKLLM=$STEER_OUT/mockllm
LOADGEN=$STEER_OUT/bench/loadgen
VIP=198.18.100.1

steer_init bench-route
for t in "$STEERD" "$MOCKLLM" "$LOADGEN"; do
	[ -x "$t" ] || die "missing $t (run make bench-build)"
done
command -v haproxy >/dev/null || skip "missing haproxy"
mkdir -p "$OUTDIR/route-logs"

# ---- topology ----
star_topo 3 198.18.1.3/24
nsx gw ip addr add 198.18.100.4/32 dev lo
nsx cli sysctl -qw net.ipv4.ip_local_port_range="1024 65535"

mock() { # NAME TTFT TPS MODEL
	bg "$1" "$OUTDIR/route-logs/$1.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name "$1" \
		--model "$4" --slots 4 --ttft-ms "$2" --tps "$3" --max-tokens 16 \
		--log "$OUTDIR/route-logs/$1.req"
}
: >"$OUTDIR/route-logs/be1.req"
: >"$OUTDIR/route-logs/be2.req"
: >"$OUTDIR/route-logs/be3.req"
mock be1 50 100 large
mock be2 200 25 large
mock be3 50 100 small
for i in 1 2 3; do
	wait_listen be$i 8000 || die "mockllm be$i: $(cat "$OUTDIR/route-logs/be$i.out")"
done

cat >"$RUN_DIR/haproxy.cfg" <<EOF
global
	maxconn 4000
defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
frontend fe
	bind 198.18.100.4:80
	default_backend bk
backend bk
	balance leastconn
	server be1 198.18.2.2:8000
	server be2 198.18.3.2:8000
EOF
bg gw "$OUTDIR/route-logs/haproxy.log" haproxy -db -f "$RUN_DIR/haproxy.cfg"

POLICY=$RUN_DIR/policy.yaml
write_policy() { # $1: latency|cost|blind, $2: balance_factor (default: the default)
	local cw=2 be3=0 bf=""
	[ -n "${2:-}" ] && bf="  balance_factor: $2"
	[ "$1" = blind ] && cw=0
	[ "$1" != latency ] && be3=1
	cat >"$POLICY" <<EOF
settings:
  probe_interval_ms: 200
  probe_timeout_ms: 150
  staleness_ms: 1000
  health_rise: 1
  health_fall: 2
  maglev_size: 16381
$bf
objective: {quality: 1.0, cost: $cw, load: 0.5, margin: 0.1}
tasks: [chat]
models:
  - name: large
    cost: 1.0
    quality: {chat: 0.9}
  - name: small
    cost: 0.2
    quality: {chat: 0.7}
services:
  - {name: chat, vip: $VIP, port: 80, task: chat}
backends:
EOF
	local i
	for i in 1 2 3; do
		[ $i -eq 3 ] && [ $be3 -eq 0 ] && continue
		cat >>"$POLICY" <<EOF
  - name: be$i
    id: $i
    address: 198.18.$((i + 1)).2
    port: 8000
    model: $([ $i -eq 3 ] && echo small || echo large)
    provider: lab
    region: r1
    safety_tier: $([ $i -eq 3 ] && echo 1 || echo 3)
    capacity: 4
    health_url: http://198.18.$((i + 1)).2:8000/health
    metrics_url: http://198.18.$((i + 1)).2:8000/metrics
EOF
	done
	cat >>"$POLICY" <<EOF
tenants:
  - {name: default, action: reject}
  - name: strict
    id: 1
    prefixes: [198.18.1.2/32]
    min_safety_tier: 2
  - name: open
    id: 2
    prefixes: [198.18.1.0/24]
EOF
}

STEERD_PID=
start_steerd() {
	bg gw "$OUTDIR/route-logs/steerd-$1.log" "$STEERD" --foreground --log-level debug \
		--pin-root "$PIN" --config "$POLICY" --xdp cli0 --tc be1 --tc be2 --tc be3 \
		--socket "$RUN_DIR/steerd.sock" --state "$RUN_DIR/state.json" --metrics off
	STEERD_PID=${STEER_PIDS[-1]}
	for _ in $(seq 50); do
		grep -q "published" "$OUTDIR/route-logs/steerd-$1.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1 # a few probe rounds
}
stop_steerd() {
	kill "$STEERD_PID" 2>/dev/null || true
	wait "$STEERD_PID" 2>/dev/null || true
}

# loadgen run: NAME ADDR PORT SRC...
run_load() {
	local name=$1 a=$2 p=$3 out
	shift 3
	local -a b=()
	for s in "$@"; do b+=(-b "$s"); done
	out=$(nsx cli "$LOADGEN" -a "$a" -p "$p" -r "$RATE" -d "$DUR" -w "$WARM" -m 16 -T 30 \
		"${b[@]}" -o "$OUTDIR/route-$name.req")
	# share of requests served by the slow backend
	share=$(awk -F'\t' '{ n++; if ($3 == "be2") s++ } END { printf "%.2f", n ? s / n : 0 }' \
		"$OUTDIR/route-$name.req")
	log "$name: $out slow_share=$share"
	echo "$name $out slow_share=$share" | tr ' ' '\t' >>"$OUTDIR/route.tsv"
}
: >"$OUTDIR/route.tsv"

# ---- A: latency ----
log "A: equal-weight Maglev (static table)"
dp config 16381 1 30000
dp service $VIP 80 tcp 0
dp tenant 198.18.1.0/24 1
dp backend 1 198.18.2.2 8000 active
dp backend 2 198.18.3.2 8000 active
dp class 1 0 1 1 table
dp table 1 1,2
dp attach tc be1
dp attach tc be2
dp attach xdp cli0
# resolve the neighbours once (first packet per backend goes to the stack)
nsx cli curl -s -m 2 -o /dev/null "http://$VIP/health" || true
nsx cli curl -s -m 2 -o /dev/null "http://$VIP/health" || true
run_load maglev-equal $VIP 80 198.18.1.3
dp detach xdp cli0

log "A: steerd, load-aware"
write_policy latency
start_steerd latency
run_load steer $VIP 80 198.18.1.3
stop_steerd
dp detach xdp cli0 || true

log "A: steerd, load-aware, no bounded load"
write_policy latency 0
start_steerd latency-nobound
run_load steer-nobound $VIP 80 198.18.1.3
stop_steerd
dp detach xdp cli0 || true

log "A: HAProxy leastconn"
run_load haproxy-leastconn 198.18.100.4 80 198.18.1.3

# ---- B: cost under constraints ----
cost_phase() { # NAME (policy written already)
	local name=$1 i
	local -a k0
	for i in 1 2 3; do k0[i]=$(wc -l <"$OUTDIR/route-logs/be$i.req"); done
	start_steerd "$name"
	run_load "$name" $VIP 80 198.18.1.2 198.18.1.3 >/dev/null
	stop_steerd
	sleep 0.5
	# model cost per backend: be1/be2 large 1.0, be3 small 0.2; tiers 3,3,1
	for i in 1 2 3; do tail -n +$((k0[i] + 1)) "$OUTDIR/route-logs/be$i.req"; done |
		awk -v name="$name" '
		/path=\/v1\/chat\/completions/ && /status=200/ {
			for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			split(f["peer"], pa, ":")
			c = f["backend"] == "be3" ? 0.2 : 1.0
			tok += f["tokens"]; cost += f["tokens"] * c; n++
			per[f["backend"]] += 1
			if (pa[1] == "198.18.1.2" && f["backend"] == "be3") viol++
		}
		END {
			printf "%s\tcost_per_mtok=%.3f\tviolations=%d\trequests=%d\ttokens=%d\tbe1=%d\tbe2=%d\tbe3=%d\n",
				name, tok ? cost / tok : 0, viol, n, tok, per["be1"], per["be2"], per["be3"]
		}' >>"$OUTDIR/route-cost.tsv"
	log "$(tail -1 "$OUTDIR/route-cost.tsv")"
}
: >"$OUTDIR/route-cost.tsv"
log "B: cost-aware policy"
write_policy cost
cost_phase cost-aware
log "B: cost-blind policy"
write_policy blind
cost_phase cost-blind
# every request of the whole run (A and B) from the strict tenant on be3
v=$(cat "$OUTDIR"/route-logs/be3.req | grep -c 'peer=198.18.1.2:' || true)
echo "all_phases_violations=$v" >>"$OUTDIR/route-cost.tsv"
dp detach xdp cli0 2>/dev/null || true
log "done"
