#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Stickiness: long streaming chat completions (mockllm at 8 tokens/s, 96
# tokens: ~12 s each; later requests get 1000 tokens/s) from both tenants, both tasks, IPv4 and IPv6, survive
# everything steerd does meanwhile:
#   1 reload (SIGHUP) with a changed objective and capacities
#   2 a weight change that shifts the load (be4 capacity 1, be5 64): new
#     connections of tenant b move off be4, open ones stay
#   3 a backend added to the policy (be6) + SIGHUP: new connections reach it
#   4 kill -9 of steerd, new connections while it is dead, a restart
# Zero broken connections, counted: each stream must end with a
# finish_reason, [DONE], and exactly max_tokens tokens, and its backend's
# own log must show status 200 with all the tokens. Short requests sent all
# along (new connections) must all be answered.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
TOK=96

steer_init sticky
llm_topo 6
for i in 1 2 3 4 5 6; do mock_start "$i" --slots 64 --ttft-ms 20 --tps 8; done
LLM_CAPACITY=64 # the streams must not make a backend look saturated
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

reload() { # wait for steerd to take the new file
	local n
	n=$(grep -c 'SIGHUP: reloading' "$RUN_DIR/steerd.log" || true)
	kill -HUP "$STEERD_PID"
	wait_for 30 bash -c "[ \$(grep -c 'SIGHUP: reloading' $RUN_DIR/steerd.log) -gt $n ]" ||
		die "steerd did not reload"
	sleep "$(awk "BEGIN {print 2 * $LLM_INTERVAL_MS / 1000}")"
	! grep -q 'rejected' "$RUN_DIR/steerd.log" || die "reload rejected: $(grep rejected "$RUN_DIR/steerd.log")"
}

# ---- streams ----
n=0
for t in a b; do
	for task in chat code; do
		for fam in 4 6; do
			for k in 1 2; do
				stream_start "$t" "$task" "$fam" "$RUN_DIR/stream-$t-$task-$fam-$k" $TOK
				n=$((n + 1))
			done
		done
	done
done
wait_for 50 bash -c "[ \$(grep -l '\"backend\"' $RUN_DIR/stream-* | wc -l) -eq $n ]" ||
	die "streams did not start"
# from now on new requests are fast; the open streams keep their pace
for i in 1 2 3 4 5 6; do
	nsx gw curl -s -m 2 -o /dev/null "http://198.18.$((10 + i)).2:8000/admin/config" \
		-d '{"tps":1000}' || die "admin config of be$i"
done
log "$n streams open: $(for f in "$RUN_DIR"/stream-*; do stream_backend "$f"; done | sort | uniq -c | xargs)"

# ---- short requests on new connections all along ----
(
	trap - ERR
	while :; do
		for t in a b; do ask "$t" code 4 4 2; ask "$t" chat 6 4 2; done >>"$RUN_DIR/short"
	done
) &
STEER_PIDS+=($!)
SHORT_PID=$!

# 1: reload with another objective and capacities
LLM_OBJECTIVE="{quality: 2.0, cost: 0.1, load: 1.0, margin: 0.2, latency: 0}"
LLM_WEIGHT=([3]=8 [5]=24)
llm_policy
reload
log "1: reloaded with a new objective and capacities"

# 2: weight change, load shift away from be4
LLM_WEIGHT=([4]=1 [5]=64)
llm_policy
reload
shift_out=$(ask b chat 4 30 3)
log "2: be4 capacity 1, be5 64; new tenant b chat connections: $(echo "$shift_out" | sort | uniq -c | xargs)"
check "load shifted: new tenant b connections mostly avoid be4 ($(echo "$shift_out" | grep -cx be4 || true) of 30)" \
	test "$(echo "$shift_out" | grep -cx be4 || true)" -le 3

# 3: a backend is added
LLM_BACKENDS="1 2 3 4 5 6"
llm_policy
reload
add_out=$(ask b code 4 40 4)
log "3: be6 added; new tenant b code connections: $(echo "$add_out" | sort | uniq -c | xargs)"
check "the added backend be6 gets new connections" grep -qx be6 <<<"$add_out"

# 4: kill -9, traffic while dead, restart
kill -9 "$STEERD_PID"
wait "$STEERD_PID" 2>/dev/null || true
dead_out=$(ask a code 4 10 2; ask b chat 6 10 2)
log "4: steerd killed; new connections meanwhile: $(echo "$dead_out" | sort | uniq -c | xargs)"
expect "new connections answered while steerd is dead" "$(grep -cx -- '-' <<<"$dead_out" || true)" 0
sleep 1
steerd_start
steerd_wait
log "4: steerd restarted"
check "every stream was still open when steerd came back" \
	test "$(cat "$RUN_DIR"/stream-* | grep -c DONE || true)" -eq 0

kill "$SHORT_PID" 2>/dev/null || true
wait "$SHORT_PID" 2>/dev/null || true
for p in "${STREAM_PIDS[@]}"; do wait "$p" || true; done
log "streams done after ${SECONDS}s"

# ---- verdict ----
broken=0
for f in "$RUN_DIR"/stream-*; do
	if ! stream_ok "$f" $TOK; then
		broken=$((broken + 1))
		log "broken: ${f##*/} on $(stream_backend "$f"): $(grep -c '"content":"tok' "$f") tokens, last: $(tail -c 120 "$f" | tr '\n' ' ')"
	fi
done
logged=$(cat "$RUN_DIR"/be*.req | grep ' path=/v1/chat/completions ' |
	grep -c " status=200 model=[a-z]* tokens=$TOK " || true)
sok=$(grep -cvx -- '-' "$RUN_DIR/short" || true)
sfail=$(grep -cx -- '-' "$RUN_DIR/short" || true)
log "streams: $n, broken: $broken; backends logged $logged complete $TOK-token replies;" \
	"short requests: $sok answered, $sfail failed"
expect "zero broken streams (of $n) across reload, weight change, backend add, kill -9" "$broken" 0
expect "backends logged every stream complete" "$logged" "$n"
expect "no short request failed (of $((sok + sfail)))" "$sfail" 0
check "short requests were sent throughout" test "$sok" -ge 50

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
