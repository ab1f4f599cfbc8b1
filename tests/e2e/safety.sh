#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Safety under load: both tenants, both tasks, IPv4 and IPv6, send chat
# completions concurrently (new connections all the time, plus streams)
# while backends are saturated, slowed down and flap between healthy and
# failing. No request of a tenant may ever be served by a backend its
# constraints forbid. Checked from the BACKENDS' OWN LOGS (mockllm --log:
# the peer address tells the tenant and task, see lib.sh "LLM testbed"),
# against the fleet table, not from steer's counters.
#
# Chaos timeline (s): 2 be3 saturated (1 slot, slow first token) and loaded
# straight from the gateway; 3 be5 slow mode; 4..12 be4 and be5 health
# flaps every ~0.8 s; 6..10 be1 saturated too: tenant a's only backends
# for chat (be1) and code (be1, be3) are full, and its requests must wait
# or be refused, never spill to a cheaper or less safe backend; 12
# everything restored. Refused requests are counted, not failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
DURATION=${SAFETY_SECONDS:-15}

steer_init safety
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 4 --ttft-ms 20 --tps 200; done
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

# ---- load: one loop per tenant x task x family ----
LOAD_PIDS=()
for t in a b; do
	for task in chat code; do
		for fam in 4 6; do
			(
				trap - ERR
				end=$((SECONDS + DURATION))
				while [ $SECONDS -lt $end ]; do
					ask "$t" "$task" "$fam" 12 3 >>"$RUN_DIR/client-$t-$task-$fam"
				done
			) &
			STEER_PIDS+=($!)
			LOAD_PIDS+=($!)
		done
	done
done
# a few long streams from each tenant on top
for t in a b; do
	for k in 1 2 3; do
		stream_start "$t" code $((k % 2 * 2 + 4)) "$RUN_DIR/stream-$t-$k" 400
	done
done

admin() { # backend index, JSON
	nsx gw curl -s -m 2 -o /dev/null "http://198.18.$((10 + $1)).2:8000/admin/config" -d "$2" || true
}
HOG_PIDS=()
hog() { # backend index: four long requests straight to it from the gateway
	local u=http://198.18.$((10 + $1)).2:8000/v1/chat/completions
	bg gw /dev/null curl -s -Z -m $((DURATION + 5)) -H 'Content-Type: application/json' \
		-d '{"messages":[{"role":"user","content":"hog"}],"max_tokens":2000}' \
		-o /dev/null -o /dev/null -o /dev/null -o /dev/null "$u" "$u" "$u" "$u"
	HOG_PIDS+=("${STEER_PIDS[-1]}")
}

sleep 2
log "chaos: be3 saturated"
admin 3 '{"slots":1,"ttft_ms":300}'
hog 3
sleep 1
log "chaos: be5 slow"
kill -USR2 "${MOCK_PID[5]}"
flaps=0
while [ $SECONDS -lt $((DURATION - 3)) ]; do
	kill -USR1 "${MOCK_PID[4]}" "${MOCK_PID[5]}"
	flaps=$((flaps + 1))
	[ $flaps -eq 3 ] && { log "chaos: be1 saturated"; admin 1 '{"slots":1,"ttft_ms":300}'; hog 1; }
	[ $flaps -eq 8 ] && { log "chaos: be1 released"; admin 1 '{"slots":4,"ttft_ms":20}'; }
	sleep 0.8
done
# end healthy: an even number of toggles
[ $((flaps % 2)) -eq 1 ] && kill -USR1 "${MOCK_PID[4]}" "${MOCK_PID[5]}" && flaps=$((flaps + 1))
log "chaos: $flaps health toggles of be4 and be5; restoring"
kill -USR2 "${MOCK_PID[5]}"
admin 1 '{"slots":4,"ttft_ms":20}'
admin 3 '{"slots":4,"ttft_ms":20}'
for p in "${LOAD_PIDS[@]}"; do wait "$p" || true; done
# end the streams and hogs: their requests are logged (status 499) too
for p in "${STREAM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
kill "${HOG_PIDS[@]}" 2>/dev/null || true
for n in ta tb; do
	mapfile -t pids < <(ip netns pids "$(ns $n)")
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
done
sleep 0.5

# ---- verdict from the backends' logs ----
# one "tenant task backend count" line per combination seen in the logs
# (peer address -> tenant and task as in peer_class, lib.sh)
declare -A served=() viol=()
other=$(cat "$RUN_DIR"/be*.req | grep ' path=/v1/chat/completions ' | awk '
	{ p = ""; b = "" }
	/ peer=198\.18\.1\.2:| peer=\[fd00:1::2\]:/ { p = "a chat" }
	/ peer=198\.18\.1\.3:| peer=\[fd00:1::3\]:/ { p = "a code" }
	/ peer=198\.18\.2\.2:| peer=\[fd00:2::2\]:/ { p = "b chat" }
	/ peer=198\.18\.2\.3:| peer=\[fd00:2::3\]:/ { p = "b code" }
	{ for (i = 1; i <= NF; i++) if ($i ~ /^backend=/) b = substr($i, 9)
	  if (p == "") other++; else n[p " " b]++ }
	END { for (k in n) print k, n[k] > "'"$RUN_DIR/served"'"; print other + 0 }')
while read -r t task b n; do
	log "served tenant $t $task by $b: $n"
	served[$t]=$((${served[$t]:-0} + n))
	be_allowed "$t" "$task" "${b#be}" || viol[$t]=$((${viol[$t]:-0} + n))
done < <(sort "$RUN_DIR/served")
ok=$(cat "$RUN_DIR"/client-* | grep -cvx -- '-' || true)
failed=$(cat "$RUN_DIR"/client-* | grep -cx -- '-' || true)
log "clients: $ok answered, $failed failed or rejected (a class with no healthy backend rejects);" \
	"backends logged tenant a ${served[a]:-0}, tenant b ${served[b]:-0}, others (gateway hogs) $other"
expect "tenant a: no request served by a forbidden backend (of ${served[a]:-0})" "${viol[a]:-0}" 0
expect "tenant b: no request served by a forbidden backend (of ${served[b]:-0})" "${viol[b]:-0}" 0
check "tenant a was served under load (${served[a]:-0} >= 100)" test "${served[a]:-0}" -ge 100
check "tenant b was served under load (${served[b]:-0} >= 100)" test "${served[b]:-0}" -ge 100
check "half the requests or more answered ($ok of $((ok + failed)))" test "$ok" -ge $(((ok + failed) / 2))
# client-side view agrees: every X-Backend is allowed
cbad=0
for f in "$RUN_DIR"/client-*; do
	IFS=- read -r _ t task _ <<<"${f##*/}"
	for b in $(grep -vx -- '-' "$f" | sort -u); do
		be_allowed "$t" "$task" "${b#be}" || cbad=$((cbad + 1))
	done
done
expect "clients never saw a forbidden X-Backend" "$cbad" 0
check "steerd stayed up" kill -0 "$STEERD_PID"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
