#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Drain: tenant b opens 16 long streams (IPv4 and IPv6, both tasks) over
# its backends be3, be4, be5; the backend holding the most of them is set
# to `state: draining` in the policy and steerd reloads. Then:
#   - every open stream, those on the drained backend included, ends with
#     finish_reason, [DONE] and all its tokens;
#   - new connections (both families, both tasks) never reach the drained
#     backend: its own log holds no request but the streams it had;
#   - set active again, it gets new connections again.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
TOK=64

steer_init drain
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 64 --ttft-ms 20 --tps 8; done
LLM_CAPACITY=64 # the streams must not make a backend look saturated
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

n=0
for task in chat code; do
	for fam in 4 6; do
		for k in 1 2 3 4; do
			stream_start b "$task" "$fam" "$RUN_DIR/stream-$task-$fam-$k" $TOK
			n=$((n + 1))
		done
	done
done
wait_for 50 bash -c "[ \$(grep -l '\"backend\"' $RUN_DIR/stream-* | wc -l) -eq $n ]" ||
	die "streams did not start"
for i in 3 4 5; do
	nsx gw curl -s -m 2 -o /dev/null "http://198.18.$((10 + i)).2:8000/admin/config" \
		-d '{"tps":1000}' || die "admin config of be$i"
done
dist=$(for f in "$RUN_DIR"/stream-*; do stream_backend "$f"; done | sort | uniq -c | sort -rn)
D=$(echo "$dist" | head -1 | awk '{print $2}')
ON_D=$(echo "$dist" | head -1 | awk '{print $1}')
log "$n streams: $(echo "$dist" | xargs); draining $D ($ON_D streams)"
check "several streams on the drained backend ($ON_D)" test "$ON_D" -ge 2

LLM_STATE[${D#be}]=draining
llm_policy
kill -HUP "$STEERD_PID"
wait_for 30 be_states_are 2 "${D#be}" || true
expect "$D draining in the backends map (IPv4 entry)" "$(be_state "${D#be}")" 2
expect "$D draining in the backends map (IPv6 entry)" "$(be_state $((100 + ${D#be})))" 2

out=""
for task in chat code; do
	for fam in 4 6; do out+=$(ask b "$task" "$fam" 20 4)$'\n'; done
done
out=$(echo "$out" | grep -v '^$')
log "new connections while $D drains: $(echo "$out" | sort | uniq -c | xargs); xdp reasons: $(xdp_reasons)"
expect "no new connection reaches drained $D (of $(echo "$out" | wc -l))" "$(grep -cx "$D" <<<"$out" || true)" 0
expect "every new connection answered" "$(grep -cx -- '-' <<<"$out" || true)" 0
open=$(cat "$RUN_DIR"/stream-* | grep -c DONE || true)
expect "all streams still open after the new connections" "$open" 0

for p in "${STREAM_PIDS[@]}"; do wait "$p" || true; done
broken=0 on_d_ok=0
for f in "$RUN_DIR"/stream-*; do
	if stream_ok "$f" $TOK; then
		[ "$(stream_backend "$f")" = "$D" ] && on_d_ok=$((on_d_ok + 1))
	else
		broken=$((broken + 1))
		log "broken: ${f##*/}: $(tail -c 120 "$f" | tr '\n' ' ')"
	fi
done
log "streams: $n, broken $broken; on $D: $on_d_ok of $ON_D complete"
expect "zero broken streams (of $n)" "$broken" 0
expect "every stream on the drained backend completed" "$on_d_ok" "$ON_D"
expect "$D's own log: only its streams, no new connection" \
	"$(grep -c ' path=/v1/' "$RUN_DIR/$D.req" || true)" "$ON_D"

# undrain
LLM_STATE[${D#be}]=active
llm_policy
kill -HUP "$STEERD_PID"
wait_for 30 be_states_are 1 "${D#be}" || true
sleep "$(awk "BEGIN {print 2 * $LLM_INTERVAL_MS / 1000}")"
out=$(ask b chat 4 30 4)
log "after undrain: $(echo "$out" | sort | uniq -c | xargs)"
check "$D gets new connections again once active" grep -qx "$D" <<<"$out"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
