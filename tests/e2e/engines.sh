#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Engines: one fleet with every engine steerd knows, each mock speaking as
# that engine does (mockllm --engine): be1-be3 vLLM (/metrics), be4 SGLang
# (/metrics with sglang: names), be5 Chitu (POST /load_status, GET
# /server_status; no /metrics; 503 overloaded at --max-concurrent). be5 has
# no capacity in the policy: steerd takes Chitu's max_concurrent_requests.
# Then:
#   - every backend comes up (health through each engine's own endpoint);
#   - be5's capacity is learnt from the server;
#   - with be5 held at its limit by clients that bypass steer, new
#     connections through the VIP never reach be5 and all are answered:
#     no client sees Chitu's 503;
#   - once its load is gone, be5 is back in the set new connections use.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
LIMIT=4
TOK=48

steer_init engines
llm_topo 5
BE_ENGINE=(- vllm vllm vllm sglang chitu)
for i in 1 2 3; do mock_start "$i" --slots 64 --ttft-ms 20 --tps 1000; done
mock_start 4 --engine sglang --slots 64 --ttft-ms 20 --tps 1000
mock_start 5 --engine chitu --max-concurrent $LIMIT --slots 64 --ttft-ms 20 --tps 1000
LLM_CAPACITY=64
LLM_WEIGHT[5]=none
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

check "be5's capacity from Chitu's max_concurrent_requests" \
	grep -q "backend be5: capacity $LIMIT from the server's limit" "$RUN_DIR/steerd.log"
# the set tenant b's chat flows are steered by (Maglev weights): a small
# backend's share of 40 connections can be 0 by chance, its table slots can't
set_of() { # tenant, task
	timeout 20 ip netns exec "$(ns gw)" "$STEER_OUT/steerctl" -s "$RUN_DIR/steerd.sock" -j \
		policy show "$1" "$2" | jq -r '[.classes[].backends[].name] | join(" ")'
}
log "tenant b chat set idle: $(set_of b chat)"
check "be5 (chitu) is in the set when idle" grep -qw be5 <<<"$(set_of b chat)"
out=$(ask b chat 4 40 4)
log "tenant b before: $(echo "$out" | sort | uniq -c | xargs)"
check "be4 (sglang) gets connections" grep -qx be4 <<<"$out"

# hold be5 at its limit with slow streams that do not go through steer
nsx gw curl -s -m 2 -o /dev/null "http://198.18.15.2:8000/admin/config" -d '{"tps":4}' ||
	die "admin config of be5"
for k in $(seq $LIMIT); do
	bg gw "$RUN_DIR/direct-$k" curl -s -N -m 60 "http://198.18.15.2:8000/v1/chat/completions" \
		-H 'Content-Type: application/json' \
		-d "{\"model\":\"${BE_MODEL[5]}\",\"stream\":true,\"max_tokens\":$TOK,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
done
load() { nsx gw curl -s -m 2 -X POST "http://198.18.15.2:8000/load_status"; }
wait_for 50 bash -c "$(declare -f nsx ns); RUNID=$RUNID; $(declare -f load); load | grep -q '\"handle_reqs\":\"$LIMIT\"'" ||
	die "be5 not at its limit: $(load)"
log "be5 load_status: $(load)"
sleep "$(awk "BEGIN {print 3 * $LLM_INTERVAL_MS / 1000}")"
before=$(grep -c 'status=503' "$RUN_DIR/be5.req" || true)
log "tenant b chat set at be5's limit: $(set_of b chat)"
expect "be5 is out of the set at its limit" "$(grep -cw be5 <<<"$(set_of b chat)" || true)" 0

out=""
for task in chat code; do
	for fam in 4 6; do out+=$(ask b "$task" "$fam" 20 4)$'\n'; done
done
out=$(echo "$out" | grep -v '^$')
log "tenant b with be5 at its limit: $(echo "$out" | sort | uniq -c | xargs)"
expect "no new connection reaches be5 at its limit (of $(echo "$out" | wc -l))" \
	"$(grep -cx be5 <<<"$out" || true)" 0
expect "every new connection answered (no 503 seen)" "$(grep -cx -- '-' <<<"$out" || true)" 0
expect "be5 answered no 503 overloaded" "$(grep -c 'status=503' "$RUN_DIR/be5.req" || true)" "$before"

# load gone: be5 is back in the set
nsx gw curl -s -m 2 -o /dev/null "http://198.18.15.2:8000/admin/config" -d '{"tps":1000}' || true
wait_for 100 bash -c "$(declare -f nsx ns); RUNID=$RUNID; $(declare -f load); load | grep -q '\"handle_reqs\":\"0\"'" || true
sleep "$(awk "BEGIN {print 3 * $LLM_INTERVAL_MS / 1000}")"
log "tenant b chat set idle again: $(set_of b chat)"
check "be5 is back in the set once idle" grep -qw be5 <<<"$(set_of b chat)"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
