#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A real client: the official OpenAI Node library (npm `openai`, pinned in
# tests/e2e/openai/package.json, installed by scripts/install-deps.sh)
# streams chat completions through the gateway, baseURL http://VIP/v1:
# tenant a over IPv4 (chat VIP), tenant b over IPv4 (chat) and IPv6 (code),
# 6 concurrent streams each (one connection each) plus one plain request.
# While the streams run, steerd reloads its policy (SIGHUP, another
# objective) and is killed with -9 and restarted. The library ends a cut
# stream silently, so tests/e2e/openai/stream.mjs counts the tokens (mockllm
# sends exactly max_tokens), wants a finish_reason and reads the raw SSE
# body to see it end with "data: [DONE]". Every stream must be whole, and
# served by a backend the tenant may use (X-Backend).
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
OAI=$STEER_TOP/tests/e2e/openai
TOK=50
NSTREAMS=6

steer_init openai
command -v node >/dev/null 2>&1 || skip "node not installed (scripts/install-deps.sh)"
[ -f "$OAI/node_modules/openai/package.json" ] ||
	skip "npm openai not installed in tests/e2e/openai (run scripts/install-deps.sh)"
log "node $(node --version), openai $(sed -n 's/^ *"version": *"\(.*\)".*/\1/p' "$OAI/node_modules/openai/package.json" | head -1)"

llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 64 --ttft-ms 20 --tps 10; done
LLM_CAPACITY=64
llm_policy
steerd_start
steerd_wait
log "steerd ready after ${SECONDS}s"

run_client() { # name, tenant ns, base URL
	(
		trap - ERR
		cd "$OAI"
		nsx "$2" node stream.mjs "$3" $NSTREAMS $TOK >"$RUN_DIR/oai-$1" 2>&1
		echo "exit $?" >>"$RUN_DIR/oai-$1"
	) &
	STEER_PIDS+=($!)
	CLIENTS+=($!)
}
CLIENTS=()
run_client a4 ta http://198.18.100.1/v1
run_client b4 tb http://198.18.100.1/v1
run_client b6 tb "http://[fd00:100::2]/v1"

# wait until the streams are open (node takes a moment to start)
open_conns() {
	local n=0 c
	for c in ta tb; do
		n=$((n + $(nsx $c ss -Htn state established '( dport = :80 )' | wc -l)))
	done
	echo "$n"
}
wait_for 150 bash -c "[ \$(ip netns exec $(ns ta) ss -Htn state established '( dport = :80 )' | wc -l) -ge $NSTREAMS ] &&
	[ \$(ip netns exec $(ns tb) ss -Htn state established '( dport = :80 )' | wc -l) -ge $((2 * NSTREAMS)) ]" ||
	log "warning: only $(open_conns) connections open"
log "$(open_conns) streams open; reloading steerd"
LLM_OBJECTIVE="{quality: 2.0, cost: 0.2, load: 1.0, margin: 0.3, latency: 0}"
llm_policy
kill -HUP "$STEERD_PID"
sleep 0.5
log "kill -9 steerd, restart"
kill -9 "$STEERD_PID"
wait "$STEERD_PID" 2>/dev/null || true
sleep 0.5
steerd_start
steerd_wait
still=$(open_conns)
log "steerd back; $still streams still open"
check "streams were open across the reload and restart ($still >= $((3 * NSTREAMS / 2)))" \
	test "$still" -ge $((3 * NSTREAMS / 2))

for p in "${CLIENTS[@]}"; do wait "$p" || true; done
for c in a4 b4 b6; do
	sed "s/^/  $c: /" "$RUN_DIR/oai-$c"
	expect "openai client $c: $NSTREAMS streams + 1 plain, none broken" \
		"$(grep '^openai:' "$RUN_DIR/oai-$c" || echo none)" "openai: $((NSTREAMS + 1)) ok, 0 broken"
	expect "openai client $c exited 0" "$(tail -1 "$RUN_DIR/oai-$c")" "exit 0"
	t=${c:0:1}
	task=chat
	[ "$c" = b6 ] && task=code
	bad=$(grep -o 'backend=[^ ]*' "$RUN_DIR/oai-$c" | cut -d= -f2 | sort -u | while read -r b; do
		be_allowed "$t" "$task" "${b#be}" 2>/dev/null || echo "$b"
	done)
	expect "client $c: only backends tenant $t may use for $task" "$bad" ""
done
whole=$(cat "$RUN_DIR"/be*.req | grep -c " status=200 model=[a-z]* tokens=$TOK " || true)
expect "backends logged every stream whole" "$whole" $((3 * NSTREAMS))

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd.log" | tail -30
summary
