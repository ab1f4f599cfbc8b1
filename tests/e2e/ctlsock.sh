#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The control socket holds up against local users (issue 12, item 4):
#
#   cli eth0 ── cli0 [gw: steerd] be1 ── eth0 be1 (mockllm)
#                                 be2 ── eth0 be2 (mockllm)
#
# - the socket file is 0600 by default, 0660 with the read group's group;
# - a user outside the admin group can't drain; one in it can;
# - nobody holds 32 idle connections: it gets 32 - 8 slots, and root's
#   `steerctl backend drain` still succeeds (and an admin's too);
# - the idle connections are closed after --ctl-idle-ms;
# - flows shows client addresses to root, the admin group and
#   --flows-group, and null to any other reader;
# - flows on 200,000 conntrack entries does not hold up another client's
#   status (it reads one page per main-loop turn).
# Before this change (socket 0666, 32 slots for anyone, no idle timeout,
# addresses for all) every one of these fails.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=${STEER_STEERD:-$STEER_OUT/steerd}
STEERCTL=${STEER_STEERCTL:-$STEER_OUT/steerctl}
MOCKLLM=$STEER_OUT/mockllm
HOLD=$(dirname "$0")/ctlhold.py
PY=/usr/bin/python3 # not a per-user shim: nobody runs it
VIP=198.18.100.1
IDLE_MS=2000

steer_init ctlsock
for t in "$STEERD" "$STEERCTL" "$MOCKLLM" "$PY"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done
for t in jq setpriv curl; do
	command -v $t >/dev/null 2>&1 || skip "missing tool: $t"
done
for g in nogroup daemon adm; do
	getent group $g >/dev/null || skip "no group $g on this host"
done

star_topo 2
for i in 1 2; do
	bg be$i "$RUN_DIR/be$i.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name be$i --model m1 \
		--slots 4 --ttft-ms 5 --tps 200 --max-tokens 2
done
for i in 1 2; do
	wait_listen be$i 8000 || die "mockllm be$i not listening"
done

chmod 755 "$RUN_DIR"
SOCK=$RUN_DIR/ctl/steerd.sock
POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<EOT
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
     region: lab, capacity: 4, health_url: "http://198.18.2.2:8000/health"}
  - {name: be2, id: 2, address: 198.18.3.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: 4, health_url: "http://198.18.3.2:8000/health"}
tenants:
  - {name: default, action: reject}
  - {name: lab, id: 1, prefixes: [198.18.1.0/24]}
EOT

# start_steerd EXTRA...: steerd in gw with this socket and EXTRA options
start_steerd() {
	bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --log-level debug --pin-root "$PIN" \
		--config "$POLICY" --xdp cli0 --tc be1 --tc be2 --socket "$SOCK" \
		--state "$RUN_DIR/state.json" --metrics off "$@"
	STEERD_PID=${STEER_PIDS[-1]}
}
stop_steerd() {
	kill "$STEERD_PID" 2>/dev/null || true
	wait "$STEERD_PID" 2>/dev/null || true
}
ctl() { timeout 20 ip netns exec "$(ns gw)" "$STEERCTL" -s "$SOCK" "$@"; }
# as_user GROUPS CMD...: run as nobody:nogroup with supplementary GROUPS ("" none)
as_user() {
	local groups=$1
	shift
	if [ -n "$groups" ]; then
		timeout 20 ip netns exec "$(ns gw)" setpriv --reuid=nobody --regid=nogroup \
			--groups="$groups" "$@"
	else
		timeout 20 ip netns exec "$(ns gw)" setpriv --reuid=nobody --regid=nogroup \
			--clear-groups "$@"
	fi
}
ctl_as() { local g=$1; shift; as_user "$g" "$STEERCTL" -s "$SOCK" "$@"; }
published() { ctl -j status 2>/dev/null | jq -e '.decisions.publishes > 0 and .backends.up == 2' >/dev/null; }
admin_state() { ctl -j backend show "$1" | jq -r .admin_state; }

# ---- default: 0600, root only ----
start_steerd
wait_for 80 published || die "steerd not publishing: $(tail -20 "$RUN_DIR/steerd.log")"
expect "default socket mode 0600" "$(stat -c %a "$SOCK")" 600
rc=0
ctl_as "" status >/dev/null 2>&1 || rc=$?
check "default: nobody can't connect (exit $rc)" test "$rc" -ne 0
stop_steerd

# ---- with groups: 0660 nogroup; admins = daemon; flows group = adm ----
start_steerd --read-group nogroup --admin-group daemon --flows-group adm --ctl-idle-ms "$IDLE_MS"
wait_for 80 published || die "steerd not publishing: $(tail -20 "$RUN_DIR/steerd.log")"
expect "socket 0660 group nogroup" "$(stat -c '%a %G' "$SOCK")" "660 nogroup"
reader_status() { ctl_as "" -j status >/dev/null; }
check "a reader may read" reader_status
rc=0
out=$(ctl_as "" backend drain be1 2>&1) || rc=$?
expect "a reader can't drain: exit 1" "$rc" 1
check "a reader: permission denied ($out)" grep -q "permission denied" <<<"$out"
expect "be1 still active" "$(admin_state be1)" active

# ---- flows: client addresses for root, admins and the flows group only ----
for p in 42001 42002 42003 42004; do
	nsx cli curl -s -m 5 --local-port "$p" -o /dev/null \
		-H 'Content-Type: application/json' \
		-d '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		"http://$VIP/v1/chat/completions" || true
done
flows_src() { "$@" -j flows | jq -c '[.clients_hidden, ([.flows[].src] | unique)]'; }
root_f=$(flows_src ctl)
log "root sees: $root_f"
check "root sees the client address in flows" grep -q '^\[false,\["198.18.1.2"\]\]$' <<<"$root_f"
expect "a reader sees no client address" "$(flows_src ctl_as "")" '[true,[null]]'
expect "the admin group sees the client address" "$(flows_src ctl_as daemon)" "$root_f"
expect "the flows group sees the client address" "$(flows_src ctl_as adm)" "$root_f"
reader_text_hidden() { ctl_as "" flows | grep -q '(hidden)'; }
check "text flows for a reader: (hidden)" reader_text_hidden

# ---- 32 idle connections held by nobody ----
HOLD_DIR=$RUN_DIR/hold.d # nobody writes its report there
mkdir -m 0777 "$HOLD_DIR"
as_user "" "$PY" "$HOLD" "$SOCK" 32 "$HOLD_DIR/hold" &
HOLD_PID=$!
STEER_PIDS+=("$HOLD_PID")
wait_for 50 test -s "$HOLD_DIR/hold" || die "holder did not report"
expect "nobody got 32 - 8 slots" "$(head -1 "$HOLD_DIR/hold")" "accepted 24"
rc=0
out=$(ctl_as "" status 2>&1) || rc=$?
check "another reader is refused while the slots are held ($out)" grep -q "too many control connections" <<<"$out"
check "root: steerctl backend drain be1 succeeds" ctl backend drain be1
expect "be1 is draining" "$(admin_state be1)" draining
check "the admin group: steerctl backend undrain be1 succeeds" ctl_as daemon backend undrain be1
expect "be1 is active again" "$(admin_state be1)" active

# ---- the idle connections are closed after --ctl-idle-ms ----
wait "$HOLD_PID" || true
log "holder: $(tr '\n' ' ' <"$HOLD_DIR/hold")"
check "idle connections closed after ${IDLE_MS} ms" grep -Eq "^closed all after [2-4]\.[0-9] s" "$HOLD_DIR/hold"
check "a reader may connect again" reader_status

# ---- request size limit: an oversized request is refused, steerd serves on ----
big=$(head -c 70000 /dev/zero | tr '\0' x)
out=$(printf '{"cmd":"status","args":{"x":"%s"}}\n' "$big" |
	as_user "" "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); print(s.recv(4096).decode())' "$SOCK" || true)
check "an oversized request: error reply ($out)" grep -q "request too large" <<<"$out"
root_status() { ctl -j status >/dev/null; }
check "steerd still serves" root_status

# ---- flows on a large table holds nobody up ----
# 200,000 established entries (dpctl ct-fill): flows reads them one page
# per main-loop turn, so a status asked 20 ms after it is answered first
# (before: the whole table was read inside one turn, status waited).
timeout 60 ip netns exec "$(ns gw)" "$DPCTL" --pin-root "$PIN" ct-fill 200000 1 1 ||
	die "dpctl ct-fill failed"
order=$(ip netns exec "$(ns gw)" "$PY" "$(dirname "$0")/ctlorder.py" "$SOCK")
log "flows vs status: $order"
check "a status sent during flows is answered first ($order)" grep -q "^status first" <<<"$order"
check "flows read the whole table" grep -Eq "total (20[0-9]{4})$" <<<"$order"

stop_steerd
summary
