#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Stable tenant ids (docs/design.md, "Stable tenant ids"): the LLM testbed
# with tenants "a" and "beta" (tenant B's prefixes) given no ids, so the
# parser numbers them by name (a 1, beta 2). While tenant beta opens new
# connections without pause (a SYN loop, IPv4 and IPv6), a reload adds a
# tenant "aaa" (198.18.1.128/25 in ta; only the big model qualifies:
# min_quality 0.85), whose name sorts between them: the parser alone would
# give aaa 2 and beta 3. Checks:
#   - beta keeps its id in the pinned prefix tries, aaa gets a new one;
#   - no beta connection, before, during or after the reload, reached a
#     backend beta may not use (be1, be2: cost 5 > max_cost 1), in the
#     clients' view and in every backend's request log; no aaa connection
#     reached one aaa may not use (be3..be5); none of beta's failed;
#   - counters stay with their tenant: beta's tenant_stats entry keeps
#     growing from where it was, aaa's holds only aaa's connections;
#   - after kill -9 and a restart (ids from the pinned prefixes), every
#     tenant keeps its id.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0

steer_init tenant_ids
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 32 --ttft-ms 2 --tps 1000; done
LLM_CAPACITY=32

# the testbed's policy, tenant ids dropped, tenant b named beta; $1: also aaa
tenant_policy() {
	llm_policy
	sed -i -e 's/{name: a, id: 1, /{name: a, /' -e 's/{name: b, id: 2, /{name: beta, /' "$POLICY"
	if [ "${1:-}" = aaa ]; then
		echo '  - {name: aaa, prefixes: [198.18.1.128/25, "fd00:1::1:0/112"], min_quality: 0.85}' \
			>>"$POLICY"
	fi
	grep -q '{name: beta, prefixes' "$POLICY" || die "policy rewrite failed"
}

# tenant id the pinned trie gives a source address (IPv4); 0: no prefix
# matches (the default tenant)
tenant_of() {
	local IFS=. out
	# shellcheck disable=SC2086
	set -- $1
	out=$(bpftool -j map lookup pinned "$PIN/tenants_v4" key 32 0 0 0 "$1" "$2" "$3" "$4" \
		2>/dev/null) || { echo 0; return; }
	jq -r '.formatted.value // .value' <<<"$out"
}
tenant6_of() { # fd00:N::H as 16 key bytes: fd 00 00 0N 0..0 00 0H
	local out
	out=$(bpftool -j map lookup pinned "$PIN/tenants_v6" key 128 0 0 0 0xfd 0 0 "$1" 0 0 0 0 0 0 \
		0 0 0 0 0 "$2" 2>/dev/null) || { echo 0; return; }
	jq -r '.formatted.value // .value' <<<"$out"
}
aaa_known() { [ "$(tenant_of 198.18.1.200)" != 0 ]; }
# new_flows of a tenant id, summed over CPUs
tenant_flows() {
	bpftool -j map lookup pinned "$PIN/tenant_stats" key "$(($1 & 255))" "$(($1 >> 8))" 0 0 |
		jq '[.formatted.values[].value.new_flows] | add'
}
# N requests from aaa's host 198.18.1.200 (task chat); one line each
ask_aaa() {
	local args=()
	for _ in $(seq "$1"); do args+=(-o /dev/null "http://198.18.100.1/v1/chat/completions"); done
	nsx ta curl -s -Z --parallel-max 2 -m 20 --connect-timeout 3 --interface 198.18.1.200 \
		-H 'Connection: close' -H 'Content-Type: application/json' \
		-d '{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		-w '%{http_code} %header{x-backend}\n' "${args[@]}" 2>/dev/null |
		awk '$1 == 200 && $2 != "" {print $2; next} {print "-"}' || true
}

tenant_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"
beta_id=$(tenant_of 198.18.2.2)
a_id=$(tenant_of 198.18.1.2)
expect "parser ids before the reload: a 1, beta 2" "$a_id $beta_id" "1 2"
expect "aaa's host before the reload: the default tenant" "$(tenant_of 198.18.1.200)" 0

# beta's SYN loop: a new connection per request, IPv4 and IPv6, chat and code
LOOP_PIDS=()
for fam in 4 6; do
	(
		trap - ERR
		while :; do
			ask b chat "$fam" 4 2
			ask b code "$fam" 4 2
		done >>"$RUN_DIR/beta-$fam"
	) &
	STEER_PIDS+=($!)
	LOOP_PIDS+=($!)
done
sleep 1.5
flows_before=$(tenant_flows "$beta_id")
log "beta (id $beta_id): $flows_before flows before the reload"

tenant_policy aaa
kill -HUP "$STEERD_PID"
wait_for 50 aaa_known || true
aaa_id=$(tenant_of 198.18.1.200)
log "reloaded: aaa is tenant $aaa_id"
aaa_out=$(ask_aaa 20)
sleep 1.5
kill "${LOOP_PIDS[@]}" 2>/dev/null || true
for p in "${LOOP_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
sleep 0.3

expect "beta keeps its id across the reload (IPv4)" "$(tenant_of 198.18.2.2)" "$beta_id"
expect "beta keeps its id across the reload (IPv6)" "$(tenant6_of 2 2)" "$beta_id"
expect "a keeps its id across the reload" "$(tenant_of 198.18.1.2)" "$a_id"
check "aaa gets an id of its own ($aaa_id, not 0, $a_id or $beta_id)" \
	test "$aaa_id" != 0 -a "$aaa_id" != "$a_id" -a "$aaa_id" != "$beta_id"

beta=$(cat "$RUN_DIR"/beta-4 "$RUN_DIR"/beta-6)
log "beta's requests: $(echo "$beta" | sort | uniq -c | xargs)"
log "aaa's requests: $(echo "$aaa_out" | sort | uniq -c | xargs)"
check "beta sent requests across the reload ($(echo "$beta" | wc -l) >= 40)" \
	test "$(echo "$beta" | grep -c . || true)" -ge 40
expect "no beta request failed" "$(grep -cx -- - <<<"$beta" || true)" 0
expect "no beta request on a backend beta may not use (be1, be2)" \
	"$(grep -cxE 'be[12]' <<<"$beta" || true)" 0
expect "every aaa request answered" "$(grep -cx -- - <<<"$aaa_out" || true)" 0
expect "no aaa request on a backend aaa may not use (be3..be5)" \
	"$(grep -cxE 'be[345]' <<<"$aaa_out" || true)" 0
# the backends' own logs: every connection from beta's hosts (198.18.2.x,
# fd00:2::x) on be3..be5 only
wrong=0
for i in 1 2; do
	n=$(grep -cE ' peer=(198\.18\.2\.|\[fd00:2::)' "$RUN_DIR/be$i.req" || true)
	wrong=$((wrong + n))
done
expect "backends' logs: no connection from beta's hosts on be1 or be2" "$wrong" 0
wrong=0
for i in 3 4 5; do
	n=$(grep -c ' peer=198\.18\.1\.200:' "$RUN_DIR/be$i.req" || true)
	wrong=$((wrong + n))
done
expect "backends' logs: no connection from aaa's host on be3..be5" "$wrong" 0

flows_after=$(tenant_flows "$(tenant_of 198.18.2.2)")
n_beta=$(echo "$beta" | grep -c . || true)
aaa_flows=$(tenant_flows "$aaa_id")
log "tenant_stats new_flows: beta $flows_before -> $flows_after; aaa (id $aaa_id) $aaa_flows for 20 requests"
check "beta's counters kept growing from where they were ($flows_before -> $flows_after, >= its $n_beta connections)" \
	test "$flows_after" -ge "$n_beta"
check "aaa's counters hold only aaa's connections ($aaa_flows <= 20)" test "$aaa_flows" -le 20
check "aaa's counters count aaa's connections ($aaa_flows >= 20)" test "$aaa_flows" -ge 20

# restart: the ids come back from the pinned prefixes (steerd has no other memory)
log "kill -9 steerd, restart"
kill -9 "$STEERD_PID"
wait "$STEERD_PID" 2>/dev/null || true
steerd_start
steerd_wait
expect "after a restart beta keeps its id" "$(tenant_of 198.18.2.2)" "$beta_id"
expect "after a restart aaa keeps its id" "$(tenant_of 198.18.1.200)" "$aaa_id"
expect "after a restart a keeps its id" "$(tenant_of 198.18.1.2)" "$a_id"
out=$(ask b chat 4 10 2)
expect "after the restart beta's requests stay on its backends" "$(grep -cxE 'be[12]|-' <<<"$out" || true)" 0

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
