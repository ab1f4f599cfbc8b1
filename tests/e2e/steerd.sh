#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerd in a namespace testbed: a client, a gateway running steerd (which
# attaches steer_xdp / steer_tc and publishes from a policy file), three
# mockllm backends reporting vLLM metrics.
#
#   cli eth0 ── cli0 [gw: steerd] be1 ── eth0 be1 (mockllm, 2 slots)
#                                 be2 ── eth0 be2
#                                 be3 ── eth0 be3
#
# Checks: traffic spreads over healthy backends; a backend whose metrics
# say it is saturated loses its share of new connections; a backend whose
# health fails gets no new flows within two probe intervals; a drained
# backend keeps its open stream and gets no new connection; a bad reload
# is rejected with file:line and the running policy stays; kill -9 of
# steerd and a restart keep an open stream and the tables.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
MOCKLLM=$STEER_OUT/mockllm
VIP=198.18.100.1
INTERVAL_MS=300
TIMEOUT_MS=200
SECONDS=0

steer_init steerd
for t in "$STEERD" "$MOCKLLM"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done

# ---- topology ----
star_topo 3

declare -A MOCK_PID
for i in 1 2 3; do
	bg be$i "$RUN_DIR/be$i.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name be$i --model m1 \
		--slots 2 --ttft-ms 10 --tps 50 --max-tokens 2 --log "$RUN_DIR/be$i.req"
	MOCK_PID[be$i]=${STEER_PIDS[-1]}
done
for i in 1 2 3; do
	wait_listen be$i 8000 || die "mockllm be$i not listening: $(cat "$RUN_DIR/be$i.out")"
done

# ---- policy ----
POLICY=$RUN_DIR/policy.yaml
write_policy() { # $1: state of be1, $2: of be2, $3: of be3
	cat >"$POLICY" <<EOF
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings:
  probe_interval_ms: $INTERVAL_MS
  probe_timeout_ms: $TIMEOUT_MS
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
  - name: chat
    vip: $VIP
    port: 80
    task: chat
backends:
EOF
	local i s
	for i in 1 2 3; do
		s=${!i}
		cat >>"$POLICY" <<EOF
  - name: be$i
    id: $i
    address: 198.18.$((i + 1)).2
    port: 8000
    model: m1
    provider: self
    region: lab
    capacity: 2
    health_url: http://198.18.$((i + 1)).2:8000/health
    metrics_url: http://198.18.$((i + 1)).2:8000/metrics
    state: $s
EOF
	done
	cat >>"$POLICY" <<EOF
tenants:
  - name: default
    action: reject
  - name: lab
    id: 1
    prefixes: [198.18.1.0/24]
EOF
}
write_policy active active active

start_steerd() {
	bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --log-level debug \
		--pin-root "$PIN" --config "$POLICY" --xdp cli0 --tc be1 --tc be2 --tc be3 \
		--socket "$RUN_DIR/steerd.sock" --state "$RUN_DIR/state.json"
	STEERD_PID=${STEER_PIDS[-1]}
}
start_steerd

class_present() {
	bpftool -j map dump pinned "$PIN/classes" 2>/dev/null | grep -q '"table_id": *[1-9]'
}
wait_for 50 class_present || die "steerd published no class: $(tail -20 "$RUN_DIR/steerd.log")"
log "steerd up and publishing after ${SECONDS}s"

# One short chat completion through the VIP; prints the backend's name.
ask() {
	nsx cli curl -s -m 5 -o /dev/null -D - -H 'Content-Type: application/json' \
		-d '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		"http://$VIP/v1/chat/completions" | tr -d '\r' | sed -n 's/^X-Backend: //ip'
}
# N requests; prints "be1=a be2=b be3=c fail=d"
spread() {
	local n=$1 b c1=0 c2=0 c3=0 f=0
	for _ in $(seq "$n"); do
		b=$(ask || true)
		case $b in
		be1) c1=$((c1 + 1)) ;;
		be2) c2=$((c2 + 1)) ;;
		be3) c3=$((c3 + 1)) ;;
		*) f=$((f + 1)) ;;
		esac
	done
	echo "be1=$c1 be2=$c2 be3=$c3 fail=$f"
}
count_of() { echo "$2" | grep -o "$1=[0-9]*" | cut -d= -f2; }

# ---- 1: spread over healthy backends ----
s=$(spread 30)
log "all healthy: $s"
expect "no failed request while all healthy" "$(count_of fail "$s")" 0
check "every backend gets new connections ($s)" \
	test "$(count_of be1 "$s")" -gt 0 -a "$(count_of be2 "$s")" -gt 0 -a "$(count_of be3 "$s")" -gt 0

# ---- 2: saturation from metrics ----
# Four long requests straight at be1 (2 slots): 2 running + 2 waiting.
LOADERS=()
for _ in 1 2 3 4; do
	(
		trap - ERR
		nsx gw curl -s -m 20 -o /dev/null -H 'Content-Type: application/json' \
			-d '{"model":"m1","messages":[{"role":"user","content":"x"}],"max_tokens":300}' \
			http://198.18.2.2:8000/v1/chat/completions || true
	) &
	LOADERS+=($!)
done
sleep "$(awk "BEGIN {print 3 * $INTERVAL_MS / 1000}")"
s=$(spread 20)
log "be1 saturated: $s"
expect "saturated be1 gets no new connection" "$(count_of be1 "$s")" 0
expect "no failed request while be1 saturated" "$(count_of fail "$s")" 0
# release be1: end the direct requests (this run's curls only: the children
# of its loader subshells, not every process with that URL)
for p in "${LOADERS[@]}"; do
	pkill -P "$p" || true
done
for p in "${LOADERS[@]}"; do
	wait "$p" 2>/dev/null || true
done

# ---- 3: health failure ----
t0=$(date +%s%N)
kill -USR1 "${MOCK_PID[be2]}" # /health answers 503 from now on
wait_for 40 be_states_are 4 2 || true
t1=$(date +%s%N)
took=$(((t1 - t0) / 1000000))
limit=$((2 * INTERVAL_MS + TIMEOUT_MS + 300))
log "be2 marked failing after ${took} ms (bound: 2 probe intervals + timeout + 300 ms = $limit ms)"
expect "be2 failing in the backends map (no new flows; TCP flows stay for down_grace_ms)" "$(be_state 2)" 4
check "be2 avoided within two probe intervals (${took} ms <= $limit ms)" test "$took" -le "$limit"
s=$(spread 20)
log "be2 unhealthy: $s"
expect "unhealthy be2 gets no new connection" "$(count_of be2 "$s")" 0
expect "no failed request while be2 fails health" "$(count_of fail "$s")" 0
kill -USR1 "${MOCK_PID[be2]}" # healthy again
wait_for 40 be_states_are 1 2 || true
expect "be2 active again after recovery" "$(be_state 2)" 1

# ---- 4: drain keeps the open stream ----
STREAM=$RUN_DIR/stream.out
(
	trap - ERR
	nsx cli curl -s -N -m 20 -H 'Content-Type: application/json' \
		-d '{"model":"m1","stream":true,"messages":[{"role":"user","content":"long"}],"max_tokens":100}' \
		"http://$VIP/v1/chat/completions" >"$STREAM" || true
) &
STREAM_PID=$!
wait_for 30 grep -q '"backend"' "$STREAM" || die "stream did not start"
DRAINED=$(grep -o '"backend": *"be[0-9]"' "$STREAM" | head -1 | grep -o 'be[0-9]')
log "open stream on $DRAINED; draining it"
case $DRAINED in
be1) write_policy draining active active ;;
be2) write_policy active draining active ;;
be3) write_policy active active draining ;;
esac
kill -HUP "$STEERD_PID"
wait_for 30 be_states_are 2 "${DRAINED#be}" || true
expect "$DRAINED draining in the backends map" "$(be_state "${DRAINED#be}")" 2
s=$(spread 20)
log "$DRAINED draining: $s"
expect "drained $DRAINED gets no new connection" "$(count_of "$DRAINED" "$s")" 0

# ---- 5: a bad reload is rejected, the running policy stays ----
cp "$POLICY" "$RUN_DIR/good.yaml"
sed -i "s/probe_interval_ms: $INTERVAL_MS/probe_interval_ms: fast/" "$POLICY"
kill -HUP "$STEERD_PID"
wait_for 30 grep -q "reload of .* rejected" "$RUN_DIR/steerd.log" || true
check "bad reload rejected with file:line:column" \
	grep -qE "policy.yaml:[0-9]+:[0-9]+: settings.probe_interval_ms: " "$RUN_DIR/steerd.log"
check "steerd still running after a bad reload" kill -0 "$STEERD_PID"
cp "$RUN_DIR/good.yaml" "$POLICY"
s=$(spread 10)
expect "requests still served after the bad reload" "$(count_of fail "$s")" 0

# ---- 6: kill -9 and restart keep the open stream and the tables ----
kill -9 "$STEERD_PID"
wait "$STEERD_PID" 2>/dev/null || true
check "classes survive steerd's death (pinned)" class_present
s=$(spread 5)
expect "new connections served while steerd is down" "$(count_of fail "$s")" 0
start_steerd
sleep "$(awk "BEGIN {print 3 * $INTERVAL_MS / 1000}")"
# (waits: an ASan build, make test-asan, starts slower)
check "restarted steerd re-adopted the pins" wait_for 50 grep -q "pin root $PIN" "$RUN_DIR/steerd.log"
wait "$STREAM_PID" || true
check "stream through drain, reload and kill -9 ended with [DONE]" grep -q '\[DONE\]' "$STREAM"
check "stream has a finish_reason" grep -q '"finish_reason": *"length"' "$STREAM"
s=$(spread 10)
expect "no failed request after the restart" "$(count_of fail "$s")" 0
expect "drained $DRAINED still gets nothing after the restart" "$(count_of "$DRAINED" "$s")" 0

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || tail -40 "$RUN_DIR/steerd.log"
summary
