#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A slower server, not a busier one (issue 11, settings.slow_ttft_factor,
# default 3): tenant b's chat set is be3 be4 be5, three vLLM mocks of 4
# slots, 20 ms to the first token. steerd reads each one's own time to first
# token without queue wait (vllm:request_prefill_time_seconds).
#   1 busy: be3 is held full with a queue (direct requests that bypass steer,
#     each waiting up to ~2 s for a slot; its TTFT from arrival is ~1 s).
#     be3 is full (a standby), never "slow": a queue is load, which the weights and
#     the bound answer, and it clears when the queue does;
#   2 slow: be4 answers 5x slower (100 ms). Once steerd has seen it, be4 is
#     set aside as "slow" and gets none of 40 new connections while be3 and
#     be5 have room (on a main where the factor is off it takes its share;
#     where TTFT counted the queue, step 1 saw be3 set aside);
#   3 be4 fast again: with no new request its TTFT is forgotten after
#     ttft_memory_ms (3 s here) and it is back in the set.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
STEERCTL=$STEER_OUT/steerctl

steer_init slow
command -v jq >/dev/null || skip "missing tool: jq"
[ -x "$STEERCTL" ] || die "missing $STEERCTL (run make first)"
LLM_BACKENDS="3 4 5"
llm_topo 5
for i in $LLM_BACKENDS; do mock_start "$i" --slots 4 --ttft-ms 20 --tps 200; done
LLM_CAPACITY=4
LLM_SETTINGS=("ttft_memory_ms: 3000")
llm_policy
steerd_start

wait_for 100 b_chat_ready 3 4 5 || die "steerd not ready: $(grep -v debug "$RUN_DIR/steerd.log" | tail -5)"
log "steerd ready after ${SECONDS}s"
expect "slow_ttft_factor is on by default" \
	"$(gw_ctl -j policy dump | jq -r '.policy.settings.slow_ttft_factor')" 3

# "be4:slow be3:standby be5:set" for tenant b's IPv4 chat class: each
# excluded backend with its reason, then the set (weight 0: a standby the
# bound may walk to, no share of the table)
reasons() {
	gw_ctl -j policy show b chat | jq -r '.classes[] | select(.family == "ipv4") |
		([.excluded[] | "\(.name):\(.reason)"] +
		 [.backends[] | "\(.name):\(if .weight > 0 then "set" else "standby" end)"]) |
		join(" ")'
}
admin() { nsx gw curl -s -m 2 -o /dev/null "http://198.18.1$1.2:8000/admin/config" -d "$2"; }
# warm up: every backend has a TTFT of its own
for _ in 1 2 3; do ask b chat 4 12 4 >/dev/null; done
sleep 1

# ---- 1: busy, not slow ----
admin 3 '{"tps":20}' || die "admin config of be3"
for k in $(seq 12); do
	bg gw "$RUN_DIR/hog-$k" curl -s -m 30 -o /dev/null "http://198.18.13.2:8000/v1/chat/completions" \
		-H 'Content-Type: application/json' \
		-d '{"model":"m","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}'
done
# tenant b's own requests go on meanwhile: be4 and be5 keep a TTFT of their own
touch "$RUN_DIR/traffic"
(
	trap - ERR
	while [ -e "$RUN_DIR/traffic" ]; do ask b chat 4 4 2 >/dev/null; done
) &
STEER_PIDS+=($!)
seen=""
# 12 requests of 1 s on 4 slots: 3 s of queue, then ~2 s more once it
# clears (a TTFT that counted the wait would still be high then, and be3 no
# longer full)
for _ in $(seq 20); do
	sleep 0.25
	seen+=" $(reasons | tr ' ' '\n' | grep '^be3:' || true)"
done
log "be3 while it queues: $(tr ' ' '\n' <<<"$seen" | grep . | sort | uniq -c | xargs)"
expect "a busy be3 (queue wait in its TTFT) is never set aside as slow" \
	"$(tr ' ' '\n' <<<"$seen" | grep -c '^be3:slow$' || true)" 0
check "be3 was seen full (a standby or saturated)" grep -qwE 'be3:(standby|saturated)' <<<"$seen"
rm -f "$RUN_DIR/traffic"
admin 3 '{"tps":200}' || true
be3_idle() {
	nsx gw curl -s -m 2 "http://198.18.13.2:8000/metrics" |
		grep -q '^vllm:num_requests_waiting{.*} 0$'
}
wait_for 100 be3_idle || die "be3's queue did not clear"
sleep 1

# ---- 2: slow ----
admin 4 '{"ttft_ms":100}' || die "admin config of be4"
slow_seen() { grep -qw 'be4:slow' <<<"$(reasons)"; }
for _ in $(seq 30); do
	slow_seen && break
	ask b chat 4 8 4 >/dev/null
done
log "tenant b chat, be4 at 100 ms: $(reasons)"
check "be4 (5x slower) is set aside as slow" slow_seen
# the decision sampled meanwhile: a slow backend is set aside only while
# the fast ones have a free slot (set_aside_slow); a round that sees be3
# and be5 full by their servers' counts takes be4 back for that round
# (seen once in ~10 runs since new flows got cheaper in XDP: their 8 slots
# under 4 parallel requests; in one CI run for most of the 2 s), and then
# be4 may get a flow or two, never its share (a third: 13 of 40, as in
# part 3)
(
	trap - ERR
	for _ in $(seq 16); do reasons; sleep 0.1; done
) >"$RUN_DIR/during" &
sampler=$!
out=$(ask b chat 4 40 4)
wait "$sampler" || true
log "40 new connections: $(sort <<<"$out" | uniq -c | xargs)"
aside=$(grep -c 'be4:slow' "$RUN_DIR/during" || true)
log "decision meanwhile: be4 set aside in $aside of $(wc -l <"$RUN_DIR/during") samples"
if [ "$aside" -eq "$(wc -l <"$RUN_DIR/during")" ]; then
	expect "be4 gets no new connection while be3 and be5 have room" \
		"$(grep -cx be4 <<<"$out" || true)" 0
else
	check "be4 got new connections only while be3 and be5 were full ($(grep -cx be4 <<<"$out" || true) <= 8)" \
		test "$(grep -cx be4 <<<"$out" || true)" -le 8
fi
expect "every connection answered" "$(grep -cx -- '-' <<<"$out" || true)" 0

# ---- 3: fast again, forgotten after ttft_memory_ms ----
admin 4 '{"ttft_ms":20}' || true
back() { grep -qw 'be4:set' <<<"$(reasons)"; }
for _ in $(seq 50); do back && break; sleep 0.2; done
check "be4 is back in the set once its TTFT is forgotten" back
out=$(ask b chat 4 40 4)
log "40 new connections: $(sort <<<"$out" | uniq -c | xargs)"
check "be4 takes new connections again" grep -qx be4 <<<"$out"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
