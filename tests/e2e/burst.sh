#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Bounded load under a burst: 48 concurrent streaming chat completions,
# each on a new connection, opened at once by tenant b (chat) towards three
# equal small backends of 8 slots each (be3 be4 be5: half the burst
# queues). Steer's weights come from probes every few hundred ms; the burst
# arrives within a fraction of that, so only the kernel's own count of open
# flows can spread it (bpf/steer_bound.h). No backend may receive more than
# its bound of the burst, ceil(c * weight / total weight * 48), with the
# weights the table really holds (table_sets) and c = 1: the burst is over
# the class's capacity (48 > 24), where the bound is each backend's exact
# share whatever balance_factor (1.25 here) says (bpf/steer_bound.h):
#   1 the worst burst for plain Maglev: 48 client ports whose Maglev choice
#     is be3 (found with steerctl explain): be3 takes its bound, the rest
#     walk on (ev_bound_divert counted);
#   2 48 connections from ports the kernel picks;
#   3 balance_factor 0 (plain Maglev), a reload, the worst burst again: be3
#     takes (nearly) all 48, over its bound (the check of 1 fails without
#     the bound).
# backend_load must come back to 0 once the streams have closed.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
N=48
TOK=40
STEERCTL=$STEER_OUT/steerctl

steer_init burst
command -v jq >/dev/null || skip "missing tool: jq"
[ -x "$STEERCTL" ] || die "missing $STEERCTL (run make first)"
LLM_BACKENDS="3 4 5"
llm_topo 5
for i in $LLM_BACKENDS; do mock_start "$i" --slots 8 --ttft-ms 20 --tps 20; done
LLM_CAPACITY=8
# hysteresis 1: the tables stay as they were when the test picked its
# ports. Else a probe round during the burst (be3 loaded) moves the
# load-aware weights and republishes the table: the Maglev choice of some
# picked ports is then be4 or be5, and those flows land there undiverted.
LLM_SETTINGS=("balance_factor: 1.25" "hysteresis: 1")
# probes that a busy 8-slot mock on a loaded machine still answers in time:
# a backend that failed its health (failing) gets no new flows, and the
# burst's flows whose choice was be3 would then land elsewhere undiverted
LLM_INTERVAL_MS=500
LLM_TIMEOUT_MS=500
llm_policy
steerd_start

SRC=$(src b chat 4)
VIP=$(vip chat 4)
ctl() { gw_ctl "$@"; }

# (not steerd_wait: with three backends, tenant a's chat class has none)
wait_for 100 b_chat_ready 3 4 5 || die "steerd not ready: $(grep -v debug "$RUN_DIR/steerd.log" | tail -5)"
sleep "$(awk "BEGIN {print 2 * $LLM_INTERVAL_MS / 1000}")"
log "steerd ready after ${SECONDS}s"

# backend_load: "id=open ..." of the non-zero counts
loads() {
	bpftool -j map dump pinned "$PIN/backend_load" 2>/dev/null |
		jq -r '[.[] | (.formatted // .) | select(.value.open != 0) |
			"\(.key)=\(.value.open)"] | join(" ")'
}

# the bound of each backend of the class's table for a burst of N: "be3=16 ..."
bounds() { # c
	local tid
	tid=$(ctl -j explain "$SRC:20000" "$VIP:80" tcp | jq -r .table_id)
	bpftool -j map lookup pinned "$PIN/table_sets" key $((tid & 255)) $((tid >> 8 & 255)) 0 0 |
		jq -r --argjson c "$1" --argjson n "$N" '(.formatted // .).value as $s |
			[range(0; $s.n) | "be\($s.ids[.])=\(($c * 100 * $s.weight[.] * $n +
			100 * $s.total_weight - 1) / (100 * $s.total_weight) | floor)"] | join(" ")'
}

# client ports 20000.. whose plain Maglev choice is be3 (explain's first choice)
be3_ports() { # first port, how many (N)
	local p=$1 got=0 b want=${2:-$N}
	while [ $got -lt "$want" ]; do
		b=$(ctl -j explain "$SRC:$p" "$VIP:80" tcp | jq -r '.bound.first_choice // .backend.name')
		if [ "$b" = be3 ]; then
			echo $p
			got=$((got + 1))
		fi
		p=$((p + 1))
		[ $p -lt $(($1 + 2000)) ] || die "not $N ports to be3 in 2000"
	done
}

# N streams at once, from the given ports (none: the kernel picks); prints
# the backend of each (its X-Backend), "-" for a failure
burst() {
	local ports="$*" body
	body="{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":$TOK}"
	# one shell in the client namespace starts them all: the SYNs leave within ms
	nsx tb bash -c '
		src=$1 url=$2 body=$3 n=$4; shift 4
		one() { curl -g -s -N -m 40 --connect-timeout 5 --interface "$src" "$@" \
			-H "Content-Type: application/json" -d "$body" -o /dev/null \
			-w "%{http_code} %header{x-backend}\n" "$url"; }
		if [ $# -gt 0 ]; then
			for p in "$@"; do one --local-port "$p" & done
		else
			for _ in $(seq "$n"); do one & done
		fi
		wait' _ "$SRC" "http://$VIP/v1/chat/completions" "$body" "$N" $ports |
		awk '$1 == 200 && $2 != "" {print $2; next} {print "-"}'
}

# per-backend counts of a burst's output: "be3=20 be4=14 ..."
counts() { sort "$1" | uniq -c | awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1}'; }

# every backend's count within its bound ("be3=16 ..." both)
within_bounds() { # counts bounds
	local kv b n bd
	for kv in $1; do
		b=${kv%=*} n=${kv#*=}
		[ "$b" != - ] || return 1
		bd=$(tr ' ' '\n' <<<"$2" | awk -F= -v b="$b" '$1 == b {print $2}')
		[ -n "$bd" ] && [ "$n" -le "$bd" ] || return 1
	done
}

reason() { xdp_reasons | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}' | grep . || echo 0; }

loads_zero() { [ -z "$(loads)" ]; }

# ---- 1: the worst burst for plain Maglev, bound on ----
PORTS=$(be3_ports 20000 $((N + 1)) | xargs)
XPORT=${PORTS##* } # one more, for explain
PORTS=${PORTS% *}
B1=$(bounds 1)
log "bounds of a burst of $N (over the class's capacity: c 1): $B1"
check "backend_load starts at 0" loads_zero
ex=$(ctl explain "$SRC:$XPORT" "$VIP:80" tcp | grep '^first')
check "explain, nothing open: first choice be3 kept ($ex)" \
	grep -q '^first *be3, 0 open flows, bound 1: kept' <<<"$ex"
div0=$(reason 30)
burst $PORTS >"$RUN_DIR/burst1" &
BURST_PID=$!
sleep 2 # the streams are open (each lasts 2 s and more)
ex=$(ctl explain "$SRC:$XPORT" "$VIP:80" tcp | grep -E '^(first|backend)' | xargs)
wait $BURST_PID
log "explain during the burst: $ex"
# kept while be3's open flows are under its bound (for 49 flows: 17), else
# diverted to another backend
explain_consistent() {
	awk '{
		load = $3; sub(/.*bound /, ""); bound = $1 + 0; res = $2
		if (res == "kept:" || res == "kept") ok = load < bound && / backend be3 /
		else ok = load >= bound && res == "diverted" && / backend be[45] /
		exit !ok }' <<<"$1"
}
check "explain during the burst: its open flows, bound and backend agree ($ex)" \
	explain_consistent "$ex"
check "explain during the burst: be3 holds flows of the burst" \
	bash -c "[ \$(awk '{print \$3}' <<<'$ex') -ge 10 ]"
C1=$(counts "$RUN_DIR/burst1")
div1=$(($(reason 30) - div0))
grep -E 'failing|down' "$RUN_DIR/steerd.log" | grep -v debug | tail -3 || true
log "1: $N streams from ports whose Maglev choice is be3: $C1 ($div1 diverted, $(reason 31) all over)"
expect "1: every stream answered" "$(grep -c -- - "$RUN_DIR/burst1" || true)" 0
check "1: no backend over its bound ($C1 vs $B1)" within_bounds "$C1" "$B1"
BD3=$(tr ' ' '\n' <<<"$B1" | awk -F= '$1 == "be3" {print $2}')
check "1: the flows moved off be3 counted (ev_bound_divert $div1 >= $((N - BD3)))" \
	test "$div1" -ge $((N - BD3))
m=$(nsx gw curl -s -m 5 http://127.0.0.1:9464/metrics |
	awk '/^steer_dp_packets_total\{hook="xdp",reason="ev_bound_divert"\}/ {print $2}')
check "1: /metrics shows the diverted flows (ev_bound_divert ${m:-none})" test "${m:-0}" -ge "$div1"
check "1: backend_load back to 0 when the streams closed ($(loads))" wait_for 100 loads_zero

# ---- 2: ports the kernel picks ----
burst >"$RUN_DIR/burst2"
C2=$(counts "$RUN_DIR/burst2")
log "2: $N streams, any ports: $C2"
expect "2: every stream answered" "$(grep -c -- - "$RUN_DIR/burst2" || true)" 0
check "2: no backend over its bound ($C2 vs $B1)" within_bounds "$C2" "$B1"
check "2: backend_load back to 0 ($(loads))" wait_for 100 loads_zero

# ---- 3: plain Maglev (balance_factor 0): the same check fails ----
n=$(grep -c 'SIGHUP: reloading' "$RUN_DIR/steerd.log" || true)
LLM_SETTINGS=("balance_factor: 0" "hysteresis: 1")
llm_policy
kill -HUP "$STEERD_PID"
wait_for 30 bash -c "[ \$(grep -c 'SIGHUP: reloading' $RUN_DIR/steerd.log) -gt $n ]" ||
	die "steerd did not reload"
sleep "$(awk "BEGIN {print 2 * $LLM_INTERVAL_MS / 1000}")"
check "3: balance_pct 0 in the services map" bash -c "[ \"\$(bpftool -j map dump pinned $PIN/services |
	jq '[.[] | (.formatted // .).value.balance_pct] | max')\" = 0 ]"
PORTS=$(be3_ports 24000 | xargs)
burst $PORTS >"$RUN_DIR/burst3"
C3=$(counts "$RUN_DIR/burst3")
log "3: plain Maglev, $N streams from ports whose choice is be3: $C3"
check "3: without the bound be3 takes the whole burst, over its bound ($C3 vs $B1)" \
	bash -c "$(declare -f within_bounds); ! within_bounds '$C3' '$B1'"

log "done in ${SECONDS}s"
summary
