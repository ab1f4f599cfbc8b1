#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Failure: kill a backend's server (mockllm be3, which serves tenant a's
# code and tenant b's chat and code) while both tenants send requests on
# new connections over IPv4 and IPv6 without pause. Measured from the kill:
#   - when steerd marks be3 (and its IPv6 entry) failing in the backends map
#     (no new flows; its TCP flows would stay for down_grace_ms);
#   - when the clients saw their last failed connection (a SYN that still
#     reached the dead server is refused).
# Both must be within two probe intervals (health_fall 2) plus a probe
# timeout and 300 ms for a loaded machine (1.1 s with 300 ms probes); afterwards every new connection is answered and none
# reaches be3; after down_grace_ms (1.5 s here) be3 is down (its flows
# re-steer). Restarted, be3 gets new connections again.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
MARGIN_MS=${FAILURE_MARGIN_MS:-300}

steer_init failure
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 16 --ttft-ms 5 --tps 1000; done
LLM_CAPACITY=16
GRACE_MS=1500
LLM_SETTINGS=("down_grace_ms: $GRACE_MS")
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

out=$(ask b chat 4 30 4; ask b code 6 30 4)
check "be3 serves before the failure" grep -qx be3 <<<"$out"

# clients: one loop per tenant x family, each line "start_ms backend|-"
LOAD_PIDS=()
for t in a b; do
	for fam in 4 6; do
		(
			trap - ERR
			while :; do
				t0=$(ms_now)
				task=code
				[ "$t" = b ] && [ $((t0 / 100 % 2)) = 0 ] && task=chat
				ask "$t" "$task" "$fam" 3 3 | sed "s/^/$t0 /"
			done >>"$RUN_DIR/client-$t-$fam"
		) &
		STEER_PIDS+=($!)
		LOAD_PIDS+=($!)
	done
done
sleep 1

t_kill=$(ms_now)
kill -9 "${MOCK_PID[3]}"
wait_for 50 be_states_are 4 3 103 || true
t_down=$(($(ms_now) - t_kill))
failing4=$(be_state 3) failing6=$(be_state 103)
wait_for 50 be_states_are 3 3 103 || true
t_grace=$(($(ms_now) - t_kill))
sleep 0.5
kill "${LOAD_PIDS[@]}" 2>/dev/null || true
for p in "${LOAD_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done

# two probe intervals, plus a probe's timeout and a margin for a loaded
# machine (as in steerd.sh)
bound=$((2 * LLM_INTERVAL_MS + LLM_TIMEOUT_MS + MARGIN_MS))
last_fail=$(cat "$RUN_DIR"/client-* | awk -v k="$t_kill" '$2 == "-" && $1 >= k - 50 {
	d = $1 - k; if (d > m) m = d } END {print m + 0}')
nfail=$(cat "$RUN_DIR"/client-* | awk -v k="$t_kill" '$2 == "-" && $1 >= k - 50' | wc -l)
after=$(cat "$RUN_DIR"/client-* | awk -v k="$t_kill" -v b="$bound" '$1 > k + b')
log "be3 killed: failing in the map after $t_down ms, down after $t_grace ms; clients: $nfail failed connections," \
	"the last one started $last_fail ms after the kill (bound: 2 x $LLM_INTERVAL_MS + $LLM_TIMEOUT_MS + $MARGIN_MS ms = $bound ms)"
log "after the bound: $(echo "$after" | awk '{print $2}' | sort | uniq -c | xargs)"
expect "be3 (IPv4) failing in the backends map first" "$failing4" 4
expect "be3-6 (IPv6) failing in the backends map first" "$failing6" 4
check "be3 marked failing within two probe intervals ($t_down ms <= $bound ms)" test "$t_down" -le "$bound"
expect "be3 (IPv4) down in the backends map after the grace" "$(be_state 3)" 3
expect "be3-6 (IPv6) down in the backends map after the grace" "$(be_state 103)" 3
# the grace runs from when the failure was seen (t_down), checked every probe round
check "be3 down after down_grace_ms ($GRACE_MS ms <= $t_grace ms <= $t_down + $GRACE_MS + $bound ms)" \
	test "$t_grace" -ge "$GRACE_MS" -a "$t_grace" -le "$((t_down + GRACE_MS + bound))"
check "clients avoid be3 within two probe intervals (last failure at $last_fail ms <= $bound ms)" \
	test "$last_fail" -le "$bound"
check "clients kept sending after the bound ($(echo "$after" | wc -l) requests)" \
	test "$(echo "$after" | grep -c . || true)" -ge 10
expect "no connection after the bound reached be3 or failed" \
	"$(echo "$after" | awk '$2 == "be3" || $2 == "-"' | wc -l)" 0

out=$(ask a code 4 20 4; ask a code 6 20 4; ask b chat 4 20 4; ask b code 6 20 4)
expect "later new connections: none failed (of $(echo "$out" | wc -l))" "$(grep -cx -- '-' <<<"$out" || true)" 0
expect "later new connections: none on be3" "$(grep -cx be3 <<<"$out" || true)" 0

mock_start 3 --slots 16 --ttft-ms 5 --tps 1000
wait_for 30 be_states_are 1 3 || true
sleep "$(awk "BEGIN {print 2 * $LLM_INTERVAL_MS / 1000}")"
out=$(ask b chat 4 30 4)
log "be3 restarted: $(echo "$out" | sort | uniq -c | xargs)"
check "restarted be3 gets new connections again" grep -qx be3 <<<"$out"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
