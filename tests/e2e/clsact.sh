#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# TC through clsact (the path of kernels without tcx, before 6.6, e.g.
# Debian 12's 6.1), forced here with steerd --tc-clsact:
#   cli eth0 ── cli0 [gw: steerd --tc-clsact] be1 ── eth0 be1 (tiny_httpd)
# - a client reaches the backend through the VIP (steer_xdp DNAT, steer_tc
#   reverse NAT from the clsact filter);
# - "tc filter show dev be1 ingress" shows steer_tc (a tcx program is not
#   shown there), and no tcx link is pinned;
# - a restart of steerd replaces the filter in place (one filter, traffic
#   still flows); --detach-on-exit removes it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
VIP=198.18.100.1
steer_init clsact
command -v tc >/dev/null || skip "missing tool: tc"
[ -x "$STEERD" ] || die "missing $STEERD (run make first)"
star_topo 1
bg be1 "$RUN_DIR/be1.log" "$HTTPD" 0.0.0.0 8000 be1
wait_listen be1 8000 || die "tiny_httpd not listening"
POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<EOT
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 300, probe_timeout_ms: 200, health_rise: 1, maglev_size: 251}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: $VIP, port: 80, task: chat}
backends:
  - {name: be1, id: 1, address: 198.18.2.2, port: 8000, model: m1, provider: p, region: r,
     capacity: 8, health_url: "http://198.18.2.2:8000/health"}
tenants:
  - {name: t, prefixes: [198.18.1.0/24]}
EOT
# start steerd and wait until it has attached and published (a SIGTERM
# before its signal handling is set up would just kill it)
start_steerd() {
	bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --pin-root "$PIN" --socket none \
		--metrics off --tc-clsact --xdp cli0 --tc be1 "$@" --config "$POLICY"
	SPID=${STEER_PIDS[-1]}
	for _ in $(seq 100); do
		grep -qs "published:" "$RUN_DIR/steerd.log" && return 0
		sleep 0.1
	done
	die "steerd did not publish: $(cat "$RUN_DIR/steerd.log")"
}
get() { nsx cli curl -s --max-time 2 "http://$VIP/" 2>/dev/null || true; }
wait_get() {
	for _ in $(seq 50); do
		[ "$(get)" = be1 ] && return 0
		sleep 0.2
	done
	return 1
}

start_steerd
check "a client gets be1 through the VIP (clsact reverse NAT)" wait_get
check "steerd says clsact" grep -q "steer_tc attached to be1 (clsact ingress)" "$RUN_DIR/steerd.log"
tcf=$(tc -n "$(ns gw)" filter show dev be1 ingress)
echo "$tcf" | sed 's/^/    tc: /'
check "tc filter show dev be1 ingress shows steer_tc" grep -q "steer_tc" <<<"$tcf"
check "no tcx link pinned for be1" test ! -e "$PIN/links/tc-be1"
check "the clsact mark is pinned" test -e "$PIN/links/tcc-be1"

kill "$SPID"
wait "$SPID" 2>/dev/null || true
check "the filter outlives steerd" bash -c "tc -n $(ns gw) filter show dev be1 ingress | grep -q steer_tc"
start_steerd --detach-on-exit
check "after a restart, traffic still flows" wait_get
expect "one filter after the restart (replaced in place)" \
	"$(tc -n "$(ns gw)" filter show dev be1 ingress | grep -c 'steer_tc')" 1
kill "$SPID"
wait "$SPID" 2>/dev/null || true
check "--detach-on-exit removed the filter" \
	bash -c "! tc -n $(ns gw) filter show dev be1 ingress | grep -q steer_tc"
check "and its mark" test ! -e "$PIN/links/tcc-be1"

[ "$N_FAIL" -eq 0 ] || { echo "--- steerd.log:"; cat "$RUN_DIR/steerd.log"; }
summary
