#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# How steerd attaches its programs, and what it does when it can't:
#   - --tc-mode clsact (the path kernels before 6.6, without tcx, take):
#     steer_tc is a cls_bpf filter on the backend links' clsact ingress
#     (`tc filter show` sees it, handle 0x5354), marked by links/tcc-IF;
#     requests through the VIPs are answered (IPv4, IPv6); a stream survives
#     kill -9 of steerd and a restart, which replaces the filter in place
#     (still one);
#   - a restart with --tc-mode tcx moves to tcx links: the filters go;
#   - a hook held by another program: steerd refuses to start, names the
#     interface and the program ('foreign_xdp' on tb; 'foreign_tc' at
#     steer's clsact handle), and detaches what that start attached.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0

steer_init tc_modes
command -v tc >/dev/null || skip "missing tool: tc"
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 64 --ttft-ms 10 --tps 25; done
LLM_CAPACITY=64
llm_policy

gwtc() { ip netns exec "$(ns gw)" tc "$@"; }
steer_filters() { gwtc filter show dev "$1" ingress 2>/dev/null | grep -c 'steer_tc' || true; }
answered() { # tenant family count: requests answered
	ask b chat "$2" "$3" 2 | grep -vcx -- '-' || true
}
# steerd_start, then wait until this steerd attached (the pinned maps of the
# last one make steerd_wait true at once)
restart_steerd() {
	steerd_start
	wait_for 50 grep -qs 'steer_tc attached to be5' "$RUN_DIR/steerd.log" ||
		die "steerd did not attach: $(tail -5 "$RUN_DIR/steerd.log")"
	steerd_wait
}
stop_steerd() {
	kill "-${1:-TERM}" "$STEERD_PID" 2>/dev/null || true
	wait "$STEERD_PID" 2>/dev/null || true
}

# ---- clsact ----
STEERD_ARGS=(--tc-mode clsact)
steerd_start
steerd_wait
log "steerd ready (clsact) after ${SECONDS}s: $(grep -o 'steer_tc attached to be1.*' "$RUN_DIR/steerd.log" | head -1)"
expect "be1: one steer_tc filter at clsact ingress" "$(steer_filters be1)" 1
expect "be2: one steer_tc filter at clsact ingress" "$(steer_filters be2)" 1
check "the filter is direct-action at steer's handle" \
	bash -c "ip netns exec $(ns gw) tc filter show dev be1 ingress | grep -q 'handle 0x5354 steer_tc.*direct-action'"
check "marked by links/tcc-be1, no tcx link" test -e "$PIN/links/tcc-be1" -a ! -e "$PIN/links/tc-be1"
expect "IPv4 requests answered through clsact" "$(answered b 4 10)" 10
expect "IPv6 requests answered through clsact" "$(answered b 6 10)" 10

stream_start b chat 4 "$RUN_DIR/stream-1" 64
wait_for 50 grep -qs '"backend"' "$RUN_DIR/stream-1" || die "stream did not start"
stop_steerd KILL
restart_steerd
for p in "${STREAM_PIDS[@]}"; do wait "$p" || true; done
check "a stream survives kill -9 and a restart (clsact)" stream_ok "$RUN_DIR/stream-1" 64
expect "the restart replaced the filter in place: still one on be1" "$(steer_filters be1)" 1

# ---- tcx ----
stop_steerd TERM
STEERD_ARGS=(--tc-mode tcx)
restart_steerd
expect "tcx mode: steer's clsact filters are gone from be1" "$(steer_filters be1)" 0
check "tcx link pinned, clsact mark gone" test -e "$PIN/links/tc-be1" -a ! -e "$PIN/links/tcc-be1"
expect "IPv4 requests answered through tcx" "$(answered b 4 10)" 10

# ---- hooks held by others ----
STEERD_ARGS=(--detach-on-exit)
stop_steerd TERM
restart_steerd
stop_steerd TERM # detaches everything
check "--detach-on-exit left no links" bash -c "[ -z \"\$(ls -A '$PIN/links')\" ]"
dp foreign xdp tb
STEERD_ARGS=()
steerd_start
wait "$STEERD_PID" && rc=0 || rc=$?
log "steerd with tb held: exit $rc: $(grep -m1 'attach XDP' "$RUN_DIR/steerd.log" || true)"
check "steerd refuses to start when tb's XDP hook is held" test "$rc" -ne 0
check "the error names the interface and the program" \
	grep -q "to tb: XDP program 'foreign_xdp' (id [0-9]*) is attached there" "$RUN_DIR/steerd.log"
check "what that start attached was detached again (ta's XDP, the TC links)" \
	bash -c "[ -z \"\$(ls -A '$PIN/links')\" ]"
check "ta has no XDP program left" \
	bash -c "! ip -n $(ns gw) link show ta | grep -q 'prog/xdp'"
ip -n "$(ns gw)" link set dev tb xdpdrv off

dp foreign tc be2 2>/dev/null # libbpf: the clsact qdisc steer made is still there
STEERD_ARGS=(--tc-mode clsact)
steerd_start
wait "$STEERD_PID" && rc=0 || rc=$?
check "steerd refuses a clsact filter it did not put at its handle" test "$rc" -ne 0
check "the error names the program holding it" \
	grep -q "be2: the clsact ingress filter at handle 0x5354 pref 21332 holds program 'foreign_tc'" \
	"$RUN_DIR/steerd.log"
check "the foreign filter is left alone" \
	bash -c "ip netns exec $(ns gw) tc filter show dev be2 ingress | grep -q foreign_tc"
check "nothing of that start stays attached" bash -c "[ -z \"\$(ls -A '$PIN/links')\" ]"

log "done in ${SECONDS}s"
summary
