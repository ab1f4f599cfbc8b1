#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Health with grace (docs/design.md, "Probes and engine signals"): 16
# streaming completions run (8 of tenant A's chat, all on be1, its only
# backend; 8 of tenant B's, on be3..be5) when the /health of be1 and of the
# B backend holding most streams fails for ~2 s while the servers go on
# serving (mockllm's "healthy": false touches /health only). Checks:
#   - both are published failing (4) within two probe intervals, not down;
#   - during the blip B's new connections avoid the failing backend;
#   - 0 broken streams: every one ends with all its tokens and [DONE]
#     (re-steering an open TCP connection to another backend can only end
#     in a RST from a server that has no socket for it);
#   - after the blip both are active again;
#   - a restart of steerd (kill -9) while be1 fails health: be1 stays
#     failing (the state pinned in the data plane), never active, until its
#     health passes again.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
TOK=160
BLIP_MS=2000

steer_init health_grace
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 16 --ttft-ms 5 --tps 40; done
LLM_CAPACITY=16
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

health() { # backend index, true|false
	nsx gw curl -s -m 2 -o /dev/null "http://198.18.$((10 + $1)).2:8000/admin/config" \
		-d "{\"healthy\":$2}" || die "admin config of be$1"
}

n=0
for fam in 4 6; do
	for k in 1 2 3 4; do
		stream_start a chat "$fam" "$RUN_DIR/stream-a-$fam-$k" $TOK
		n=$((n + 1))
	done
	for task in chat code; do
		for k in 1 2; do
			stream_start b "$task" "$fam" "$RUN_DIR/stream-b-$task-$fam-$k" $TOK
			n=$((n + 1))
		done
	done
done
wait_for 50 bash -c "[ \$(grep -l '\"backend\"' $RUN_DIR/stream-* | wc -l) -eq $n ]" ||
	die "streams did not start"
dist=$(for f in "$RUN_DIR"/stream-b-*; do stream_backend "$f"; done | sort | uniq -c | sort -rn)
D=$(echo "$dist" | head -1 | awk '{print $2}')
on_a=$(for f in "$RUN_DIR"/stream-a-*; do stream_backend "$f"; done | sort | uniq -c | xargs)
log "$n streams: A $on_a; B $(echo "$dist" | xargs); /health of be1 and $D fails for $BLIP_MS ms"

t0=$(ms_now)
health 1 false
health "${D#be}" false
wait_for 30 be_states_are 4 1 101 "${D#be}" $((100 + ${D#be})) || true
t_fail=$(($(ms_now) - t0))
st="$(be_state 1)/$(be_state 101) $(be_state "${D#be}")/$(be_state $((100 + ${D#be})))"
out=$(ask b chat 4 12 4; ask b code 6 12 4)
sleep "$(awk "BEGIN {d = ($BLIP_MS - ($(ms_now) - t0)) / 1000; print (d > 0 ? d : 0)}")"
health 1 true
health "${D#be}" true
log "failing in the map after $t_fail ms; B's new connections during the blip: $(echo "$out" | sort | uniq -c | xargs)"
bound=$((2 * LLM_INTERVAL_MS + LLM_TIMEOUT_MS + 300))
expect "be1 and $D failing (IPv4/IPv6), not down" "$st" "4/4 4/4"
check "failing within two probe intervals ($t_fail ms <= $bound ms)" test "$t_fail" -le "$bound"
expect "B's new connections during the blip: none on $D" "$(grep -cx "$D" <<<"$out" || true)" 0
expect "B's new connections during the blip: none failed" "$(grep -cx -- - <<<"$out" || true)" 0

# the streams end by themselves at 40 tokens/s; a cut one would hang
wait_for 150 bash -c "! kill -0 ${STREAM_PIDS[*]} 2>/dev/null" || log "streams still running: killing them"
kill "${STREAM_PIDS[@]}" 2>/dev/null || true
broken=0
for f in "$RUN_DIR"/stream-*; do
	if ! stream_ok "$f" $TOK; then
		broken=$((broken + 1))
		log "broken: ${f##*/} ($(stream_backend "$f"), $(grep -c '"content":"tok' "$f" || true) of $TOK tokens)"
	fi
done
expect "0 of $n streams broken by the health blip" "$broken" 0
wait_for 30 be_states_are 1 1 101 "${D#be}" $((100 + ${D#be})) || true
expect "be1 and $D active again after the blip" \
	"$(be_state 1)/$(be_state 101) $(be_state "${D#be}")/$(be_state $((100 + ${D#be})))" "1/1 1/1"

# restart during a failure: steerd starts from the pinned state (failing),
# not from "health unknown = active" until health_fall probes failed
health 1 false
wait_for 30 be_states_are 4 1 101 || true
expect "be1 failing before the restart" "$(be_state 1)" 4
kill -9 "$STEERD_PID"
wait "$STEERD_PID" 2>/dev/null || true
steerd_start
seen=""
for _ in $(seq 40); do # 2 s: several probe rounds after the restart
	seen+="$(be_state 1 || echo '?') "
	sleep 0.05
done
log "be1's state after the restart, every 50 ms: $(echo "$seen" | tr ' ' '\n' | uniq -c | xargs)"
expect "after a restart a failing backend is never published active" \
	"$(tr ' ' '\n' <<<"$seen" | grep -cx 1 || true)" 0
grep -q 'be1: failing in the data plane' "$RUN_DIR/steerd.log" &&
	log "steerd: $(grep -m1 'be1: failing in the data plane' "$RUN_DIR/steerd.log" | cut -c26-)"
health 1 true
wait_for 30 be_states_are 1 1 101 || true
expect "be1 active once its health passes again" "$(be_state 1)/$(be_state 101)" "1/1"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
