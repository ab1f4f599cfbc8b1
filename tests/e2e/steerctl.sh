#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerctl against a running steerd in a namespace testbed:
#
#   cli eth0 ── cli0 [gw: steerd] be1 ── eth0 be1 (mockllm)
#                                 be2 ── eth0 be2 (mockllm)
#
# Runs every command in text and JSON mode and validates the JSON (jq);
# checks that `explain` names the backend a real connection from the same
# source port lands on, and that it changes no counter and no conntrack
# entry; runtime changes (drain, add, set, del) take effect, survive a
# steerd restart and show in `policy dump` (which steerd --check accepts);
# a non-root uid may read but is refused changes (exit 1); usage errors
# exit 2 with a suggestion; no steerd exits 3; a malformed or oversized
# request gets an error reply and steerd keeps serving.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
STEERCTL=$STEER_OUT/steerctl
MOCKLLM=$STEER_OUT/mockllm
VIP=198.18.100.1

steer_init steerctl
for t in "$STEERD" "$STEERCTL" "$MOCKLLM"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done
command -v jq >/dev/null 2>&1 || skip "missing tool: jq"
command -v setpriv >/dev/null 2>&1 || skip "missing tool: setpriv"

star_topo 3
for i in 1 2 3; do
	bg be$i "$RUN_DIR/be$i.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name be$i --model m1 \
		--slots 4 --ttft-ms 5 --tps 200 --max-tokens 2
done
for i in 1 2 3; do
	wait_listen be$i 8000 || die "mockllm be$i not listening"
done

# The socket lives in a directory any uid can reach (for the nobody checks).
chmod 755 "$RUN_DIR"
SOCK=$RUN_DIR/ctl/steerd.sock
STATE=$RUN_DIR/ctl/state.json
POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<EOF
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 300, probe_timeout_ms: 200, health_rise: 1, health_fall: 2,
  maglev_size: 251}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: $VIP, port: 80, task: chat}
backends:
  - {name: be1, id: 1, address: 198.18.2.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: 4, health_url: "http://198.18.2.2:8000/health",
     metrics_url: "http://198.18.2.2:8000/metrics"}
  - {name: be2, id: 2, address: 198.18.3.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: 4, health_url: "http://198.18.3.2:8000/health",
     metrics_url: "http://198.18.3.2:8000/metrics"}
tenants:
  - {name: default, action: reject}
  - {name: lab, id: 1, prefixes: [198.18.1.0/24]}
EOF

start_steerd() {
	bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --log-level debug --pin-root "$PIN" \
		--config "$POLICY" --xdp cli0 --tc be1 --tc be2 --tc be3 --socket "$SOCK" --state "$STATE" \
		--read-group nogroup \
		--metrics off
	STEERD_PID=${STEER_PIDS[-1]}
}
ctl() { timeout 20 ip netns exec "$(ns gw)" "$STEERCTL" -s "$SOCK" "$@"; }
ctl_nobody() {
	timeout 20 ip netns exec "$(ns gw)" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$STEERCTL" -s "$SOCK" "$@"
}
ctl_json_ok() { ctl -j "$@" | jq -e . >/dev/null; }
ctl_jq() { # jq filter, steerctl args...: true if the filter yields true
	local f=$1
	shift
	ctl -j "$@" | jq -e "$f" >/dev/null
}
published() { ctl_jq '.decisions.publishes > 0' status 2>/dev/null; }
both_up() { ctl_jq '.backends.up == 2' status 2>/dev/null; }

# ---- not running: exit 3 ----
rc=0
ctl status >/dev/null 2>"$RUN_DIR/err" || rc=$?
expect "no steerd: exit code 3" "$rc" 3
check "no steerd: clear message" grep -q "steerd is not running" "$RUN_DIR/err"

start_steerd
wait_for 80 published || die "steerd not publishing: $(tail -20 "$RUN_DIR/steerd.log")"
wait_for 50 both_up || die "backends not up: $(ctl status)"
log "steerd up"

# ---- every read command, text and JSON ----
CMDS=("status" "backend list" "backend show be1" "tenant list" "tenant show lab"
	"service list" "policy show" "policy show lab chat" "policy dump" "flows"
	"flows --backend be1 --limit 5" "explain 198.18.1.2:40000 $VIP:80" "stats")
for cmd in "${CMDS[@]}"; do
	# shellcheck disable=SC2086
	check "text: steerctl $cmd" ctl $cmd >/dev/null
	# shellcheck disable=SC2086
	check "json: steerctl -j $cmd is valid JSON" ctl_json_ok $cmd
done
check "-p: pretty JSON" bash -c "[ \$(ip netns exec $(ns gw) $STEERCTL -s $SOCK -p status | jq -e .pid >/dev/null && ip netns exec $(ns gw) $STEERCTL -s $SOCK -p status | wc -l) -gt 5 ]"
expect "status: 2 backends up" "$(ctl -j status | jq .backends.up)" 2
expect "backend list: names" "$(ctl -j backend list | jq -r '[.backends[].name] | join(",")')" be1,be2
expect "prefix matching: 'ser li' is service list" "$(ctl -j ser li | jq -r '.services[0].name')" chat
expect "policy show: lab/chat has both backends" \
	"$(ctl -j policy show lab chat | jq -r '[.classes[0].backends[].name] | join(",")')" be1,be2
expect "policy show: the default tenant's class is chosen too" \
	"$(ctl -j policy show default chat | jq -r '.classes[0] | [.action, .why] | join(",")')" table,chosen
check "policy show: signals behind the weights" ctl_jq \
	'.classes[0].backends[0].signals | has("running") and has("latency_ms") and .health == "up"' \
	policy show lab chat

# ---- policy dump parses back ----
ctl policy dump >"$RUN_DIR/dump.yaml"
check "policy dump: steerd --check accepts it" "$STEERD" --check --config "$RUN_DIR/dump.yaml"

# ---- explain vs a real connection ----
counters() { ctl -j stats | jq -c '[.backends[].counters.new_flows, .tenants[].counters.new_flows, .classes[].new_flows]'; }
ct_count() { ctl -j flows --limit 100000 | jq .total; }
ask_from() { # $1: source port; prints X-Backend
	nsx cli curl -s -m 5 --local-port "$1" -o /dev/null -D - -H 'Content-Type: application/json' \
		-d '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		"http://$VIP/v1/chat/completions" | tr -d '\r' | sed -n 's/^X-Backend: //ip'
}
before_c=$(counters)
before_ct=$(ct_count)
matches=0
seen=""
for p in 41001 41002 41003 41004 41005 41006 41007 41008; do
	ex=$(ctl -j explain "198.18.1.2:$p" "$VIP:80" tcp | jq -r .backend.name)
	if [ "$p" = 41001 ]; then
		expect "explain changed no counter" "$(counters)" "$before_c"
		expect "explain created no conntrack entry" "$(ct_count)" "$before_ct"
	fi
	real=$(ask_from "$p" || true)
	log "src port $p: explain says $ex, the connection landed on $real"
	[ "$ex" = "$real" ] && matches=$((matches + 1))
	seen="$seen $real"
done
expect "explain matches the real backend for every source port" "$matches" 8
check "the source ports spread over both backends ($seen)" bash -c "grep -q be1 <<<'$seen' && grep -q be2 <<<'$seen'"
ex=$(ctl -j explain 198.18.1.2:41001 $VIP:80)
expect "explain: service, tenant, task, admission" \
	"$(echo "$ex" | jq -r '[.service,.tenant,.task,.admission] | join(",")')" chat,lab,chat,admitted
expect "explain: a non-service address passes" \
	"$(ctl -j explain 198.18.1.2 198.18.100.9:80 | jq -r .reason)" pass_not_service
check "flows: the connections made are listed" test "$(ct_count)" -ge 8
check "flows --backend be1: only be1" ctl_jq '[.flows[].backend] | all(. == "be1")' flows --backend be1
check "flows --tenant lab --limit 2: at most 2" ctl_jq '(.flows | length) <= 2' flows --tenant lab --limit 2

# ---- stats, top ----
check "stats: rates from two samples" ctl_jq \
	'.interval_s > 0.5 and (.backends[0].rates | has("new_flows")) and (.classes | length) > 0' stats
check "stats: text tables" bash -c "ip netns exec $(ns gw) $STEERCTL -s $SOCK stats | grep -q '^BACKEND'"
check "top: draws a frame and stops" bash -c "timeout -s INT 3 ip netns exec $(ns gw) $STEERCTL -s $SOCK top </dev/null | grep -q 'steerctl top'"

# ---- runtime changes ----
ctl backend drain be2 >/dev/null
expect "drain: be2 draining" "$(ctl -j backend list | jq -r '.backends[1].state')" draining
expect "drain: be2 excluded as draining" \
	"$(ctl -j policy show lab chat | jq -r '[.classes[0].excluded[] | select(.name=="be2") | .reason] | join(",")')" draining
ctl backend undrain be2 >/dev/null
ctl backend add be3 198.18.4.2:8000 model m1 capacity 4 region lab \
	health http://198.18.4.2:8000/health >/dev/null
three() { ctl_jq '.classes[0].backends | length == 3' policy show lab chat; }
wait_for 30 three || true
expect "backend add: be3 in the class set" "$(ctl -j policy show lab chat | jq '.classes[0].backends | length')" 3
ctl backend set be3 capacity 8 >/dev/null
expect "backend set: capacity 8" "$(ctl -j backend show be3 | jq .capacity)" 8
ctl tenant add t2 prefixes 198.18.9.0/24 priority 5 rate 100 >/dev/null
ctl tenant set t2 max-conns 10 >/dev/null
expect "tenant add + set" "$(ctl -j tenant show t2 | jq -c '[.priority,.admission.rate,.admission.max_conns]')" "[5,100,10]"
ctl service add chat2 $VIP:81 task chat >/dev/null
expect "service add" "$(ctl -j service list | jq -r '[.services[].name] | join(",")')" chat,chat2
rc=0
out=$(ctl backend add be9 198.18.5.2:8000 model nope capacity 1 2>&1) || rc=$?
expect "invalid change: exit 1" "$rc" 1
check "invalid change: the parser's message ($out)" grep -q 'unknown model "nope"' <<<"$out"
expect "invalid change: nothing changed" "$(ctl -j backend list | jq '.backends | length')" 3
check "state file records the changes" jq -e '.changes | length > 0' "$STATE"

# restart: the changes persist
kill "$STEERD_PID"
wait "$STEERD_PID" 2>/dev/null || true
start_steerd
wait_for 80 published || die "steerd not publishing after restart"
expect "restart keeps backend add + set" "$(ctl -j backend show be3 | jq .capacity)" 8
expect "restart keeps tenant add + set" "$(ctl -j tenant show t2 | jq .admission.max_conns)" 10
ctl policy dump >"$RUN_DIR/dump2.yaml"
check "policy dump after changes: steerd --check accepts it" "$STEERD" --check --config "$RUN_DIR/dump2.yaml"
check "policy dump has the runtime changes" grep -q "be3" "$RUN_DIR/dump2.yaml"
ctl service del chat2 >/dev/null
ctl tenant del t2 >/dev/null
ctl backend del be3 >/dev/null
expect "del: back to two backends" "$(ctl -j backend list | jq '.backends | length')" 2
check "reload" ctl -j reload
ctl backend drain be2 >/dev/null
expect "reload --discard drops runtime changes" \
	"$(ctl reload --discard >/dev/null && ctl -j status | jq .runtime_changes),$(ctl -j backend show be2 | jq -r .admin_state)" 0,active

# ---- permissions ----
check "nobody may read (status)" ctl_nobody -j status
rc=0
out=$(ctl_nobody backend drain be1 2>&1) || rc=$?
expect "nobody is refused changes: exit 1" "$rc" 1
check "nobody: clear error ($out)" grep -q "permission denied" <<<"$out"
check "refusal logged with the uid" grep -q 'refused "backend drain" from uid' "$RUN_DIR/steerd.log"
check "changes logged with the uid" grep -q "ctl: uid 0 (pid [0-9]*): backend drain be2: done" "$RUN_DIR/steerd.log"
expect "be1 still active" "$(ctl -j backend show be1 | jq -r .admin_state)" active

# ---- usage errors, JSON errors ----
rc=0
out=$(ctl bakend list 2>&1) || rc=$?
expect "unknown object: exit 2" "$rc" 2
check "unknown object: did you mean backend" grep -q 'did you mean "backend"' <<<"$out"
rc=0
out=$(ctl backend add x 198.18.2.300:80 model m1 capacity 1 2>&1) || rc=$?
expect "bad address: exit 2" "$rc" 2
check "bad address: says what was expected" grep -q "expected ADDR:PORT" <<<"$out"
rc=0
out=$(ctl tenant add x prefixes 198.18.0.0/99 2>&1) || rc=$?
expect "bad prefix: exit 2" "$rc" 2
check "bad prefix: says what was expected" grep -q "expected ADDR/LEN" <<<"$out"
rc=0
out=$(ctl -j backend show nosuch) || rc=$?
expect "JSON error: exit 1" "$rc" 1
expect "JSON error: {\"error\": ...}" "$(echo "$out" | jq -r .error)" 'no backend "nosuch"'

# ---- protocol robustness ----
raw() {
	nsx gw python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
s.sendall(b"x" * 70000 if sys.argv[2] == "BIG" else sys.argv[2].encode())
print(s.makefile().readline().strip())' "$SOCK" "$1"
}
check "malformed JSON: error reply" grep -q '"malformed request' <<<"$(raw $'{nope\n')"
check "oversized request: error reply" grep -q 'too large' <<<"$(raw BIG)"
check "unknown command: error reply" grep -q 'unknown command' <<<"$(raw $'{"cmd":"frob"}\n')"
check "steerd still serves after bad requests" ctl -j status
check "steerd still running" kill -0 "$STEERD_PID"

summary
