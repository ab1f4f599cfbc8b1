#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Routing: each tenant and task reaches only the backends its constraints
# allow, over IPv4 and IPv6. Topology and fleet: lib.sh, "LLM testbed"
# (tenants a and b in their own namespaces, gateway with steerd, five
# mockllm backends of two models with differing safety, region and cost).
#
# For every tenant x task x family, many chat completions, each on a new
# connection (Connection: close, a new source port each): every one is
# answered, and its X-Backend is a backend the tenant's constraints allow
# (checked against the fleet table, not steerd's view). Tenant b reaches
# more than one backend (the table spreads). A source that matches no
# tenant (default tenant, action reject) gets no connection.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
N=${ROUTING_N:-24}

steer_init routing
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 16 --ttft-ms 1 --tps 1000; done
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

for t in a b; do
	for task in chat code; do
		allowed=""
		for i in 1 2 3 4 5; do be_allowed "$t" "$task" "$i" && allowed+=" be$i"; done
		for fam in 4 6; do
			out=$(ask "$t" "$task" "$fam" "$N" 4)
			got=$(echo "$out" | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')
			log "tenant $t $task IPv$fam (allowed:$allowed): $got"
			expect "tenant $t $task IPv$fam: $N requests answered" \
				"$(echo "$out" | grep -cvx -- '-' || true)" "$N"
			bad=$(echo "$out" | grep -vx -- '-' | sort -u | while read -r b; do
				be_allowed "$t" "$task" "${b#be}" || echo "$b"
			done)
			expect "tenant $t $task IPv$fam: no forbidden backend" "$bad" ""
			if [ "$t" = b ]; then
				check "tenant b $task IPv$fam spreads over >1 backend" \
					test "$(echo "$out" | grep -vx -- '-' | sort -u | wc -l)" -gt 1
			fi
		done
	done
done

# A source of no tenant: the default tenant rejects (SYN dropped).
for s in 198.18.1.200 fd00:1::1:2; do
	v=198.18.100.1
	case $s in *:*) v="[fd00:100::1]" ;; esac
	code=$(nsx ta curl -g -s -o /dev/null -w '%{http_code}' -m 2 --interface "$s" \
		"http://$v/v1/models" || true)
	expect "source $s (no tenant) is rejected" "$code" 000
done
check "rejections counted (drop_reject_policy)" bash -c \
	"bpftool -j map lookup pinned $PIN/xdp_reasons key 16 0 0 0 | grep -q '\"packets\": *[1-9]'"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || tail -30 "$RUN_DIR/steerd.log"
summary
