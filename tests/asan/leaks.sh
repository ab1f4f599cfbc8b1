#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# LeakSanitizer finds no leak in steerd (the ASan build, make san-build)
# across 100 reloads and 1,000 control requests:
#
#   cli eth0 ── cli0 [gw: steerd] be1 ── eth0 be1 (mockllm)
#                                 be2 ── eth0 be2 (mockllm)
#
# Reloads alternate policies (capacities change, a third backend comes and
# goes: new tables, ids, probe targets); the requests are a mix of every
# read command, explain (the dry-run program) and runtime changes (drain /
# undrain: the state file), pipelined over 10 connections, plus 20 steerctl
# processes. steerd then stops on SIGTERM: LeakSanitizer checks at exit,
# and steerd's exit code is 0 only when it found nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

STEERD=$STEER_OUT/steerd
STEERCTL=$STEER_OUT/steerctl
MOCKLLM=$STEER_OUT/mockllm
PY=/usr/bin/python3
VIP=198.18.100.1
RELOADS=${LEAK_RELOADS:-100}
REQUESTS=${LEAK_REQUESTS:-1000}

steer_init asan-leaks
for t in "$STEERD" "$STEERCTL" "$MOCKLLM" "$PY"; do
	[ -x "$t" ] || die "missing $t (make san-build)"
done
libs=$(ldd "$STEERD" 2>/dev/null || true) # not piped into grep -q: pipefail + SIGPIPE
grep -q libasan <<<"$libs" ||
	skip "$STEERD is not an ASan build (make san-build; STEER_OUT=.output/san)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=23}

star_topo 3
for i in 1 2 3; do
	bg be$i "$RUN_DIR/be$i.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name be$i --model m1 \
		--slots 4 --ttft-ms 5 --tps 200 --max-tokens 2
done
for i in 1 2 3; do
	wait_listen be$i 8000 || die "mockllm be$i not listening"
done

SOCK=$RUN_DIR/steerd.sock
POLICY=$RUN_DIR/policy.yaml
# write_policy ROUND
write_policy() {
	local r=$1 be3=""
	if [ $((r % 3)) -eq 1 ]; then
		be3="  - {name: be3, id: 3, address: 198.18.4.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: 2, health_url: \"http://198.18.4.2:8000/health\"}"
	fi
	cat >"$POLICY.tmp" <<EOT
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 200, probe_timeout_ms: 150, health_rise: 1, health_fall: 2,
  maglev_size: 251}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: $VIP, port: 80, task: chat}
backends:
  - {name: be1, id: 1, address: 198.18.2.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: $((1 + r % 4)), health_url: "http://198.18.2.2:8000/health",
     metrics_url: "http://198.18.2.2:8000/metrics"}
  - {name: be2, id: 2, address: 198.18.3.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: 4, health_url: "http://198.18.3.2:8000/health"}
$be3
tenants:
  - {name: default, action: reject}
  - {name: lab, id: 1, prefixes: [198.18.1.0/24]}
EOT
	mv "$POLICY.tmp" "$POLICY"
}
ctl() { timeout 20 ip netns exec "$(ns gw)" "$STEERCTL" -s "$SOCK" "$@"; }
published() { ctl -j status 2>/dev/null | jq -e '.decisions.publishes > 0' >/dev/null; }
reloads() { grep -c "reloaded $POLICY" "$RUN_DIR/steerd.log" || true; }
reloaded() { [ "$(reloads)" -ge "$1" ]; }
ask() {
	nsx cli curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-d '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		"http://$VIP/v1/chat/completions" || true
}

write_policy 0
bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --log-level info --pin-root "$PIN" \
	--config "$POLICY" --xdp cli0 --tc be1 --tc be2 --tc be3 --socket "$SOCK" \
	--state "$RUN_DIR/state.json" --metrics off
STEERD_PID=${STEER_PIDS[-1]}
wait_for 150 published || die "steerd not publishing: $(tail -20 "$RUN_DIR/steerd.log")"
expect "a connection is steered" "$(ask)" 200

start=$(date +%s)
for r in $(seq "$RELOADS"); do
	write_policy "$r"
	kill -HUP "$STEERD_PID"
	wait_for 100 reloaded "$r" || die "reload $r not done: $(grep -v debug "$RUN_DIR/steerd.log" | tail -25)"
	[ $((r % 10)) -eq 0 ] && ask >/dev/null
done
expect "$RELOADS reloads done" "$(reloads)" "$RELOADS"
log "$RELOADS reloads in $(($(date +%s) - start)) s"

start=$(date +%s)
out=$(ip netns exec "$(ns gw)" "$PY" "$(dirname "$0")/ctlflood.py" "$SOCK" "$((REQUESTS - 20))" 10 2>&1) || true
log "$out"
check "$((REQUESTS - 20)) pipelined requests answered ok" grep -q " 0 errors" <<<"$out"
n_ok=0
for i in $(seq 20); do
	ctl -j status >/dev/null && n_ok=$((n_ok + 1))
done
expect "20 steerctl processes answered" "$n_ok" 20
log "$REQUESTS requests in $(($(date +%s) - start)) s"
expect "a connection is still steered" "$(ask)" 200

kill -TERM "$STEERD_PID"
rc=0
wait "$STEERD_PID" || rc=$?
expect "steerd exits 0 on SIGTERM (LeakSanitizer found no leak: else 23)" "$rc" 0
check "no LeakSanitizer report in steerd's log" bash -c "! grep -q 'LeakSanitizer' '$RUN_DIR/steerd.log'"
if [ "$rc" -ne 0 ]; then
	grep -A30 "LeakSanitizer\|ERROR: AddressSanitizer" "$RUN_DIR/steerd.log" | head -60 || true
fi
summary
