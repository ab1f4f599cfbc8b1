#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Least privilege (issue 12, item 6): after loading and attaching, steerd
# keeps cap_bpf, cap_net_admin and cap_perfmon only (effective, permitted
# and bounding sets; no_new_privs set), and everything its main loop does
# still works with them:
#
#   cli eth0 ── cli0 [gw: steerd] be1 ── eth0 be1 (mockllm)
#                                 be2 ── eth0 be2 (mockllm)
#                                 be3 ── eth0 be3 (TC added by a reload)
#
# - steerd starts under the bounding set of scripts/steerd.service.in (and
#   gives its control socket a group: cap_chown);
# - /proc/PID/status: CapEff, CapPrm and CapBnd are exactly those three;
# - a connection is steered; a reload that changes weights publishes new
#   tables (bpf_map_create: cap_bpf) and attaches TC to an interface the
#   new policy adds (cap_net_admin); explain loads its dry-run instance of
#   steer_xdp (cap_bpf + cap_net_admin + cap_perfmon); a drain publishes;
# - --keep-caps keeps them all.
# Before this change steerd kept every capability of root: the first checks fail.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=${STEER_STEERD:-$STEER_OUT/steerd}
STEERCTL=${STEER_STEERCTL:-$STEER_OUT/steerctl}
MOCKLLM=$STEER_OUT/mockllm
VIP=198.18.100.1
# cap_net_admin (12), cap_perfmon (38), cap_bpf (39)
WANT=$(printf '%016x' $(((1 << 12) | (1 << 38) | (1 << 39))))

steer_init caps
for t in "$STEERD" "$STEERCTL" "$MOCKLLM"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done
for t in jq curl tc; do
	command -v $t >/dev/null 2>&1 || skip "missing tool: $t"
done

star_topo 3
for i in 1 2; do
	bg be$i "$RUN_DIR/be$i.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name be$i --model m1 \
		--slots 4 --ttft-ms 5 --tps 200 --max-tokens 2
done
for i in 1 2; do
	wait_listen be$i 8000 || die "mockllm be$i not listening"
done

SOCK=$RUN_DIR/steerd.sock
POLICY=$RUN_DIR/policy.yaml
# write_policy CAPACITY2 TC_IFACES
write_policy() {
	cat >"$POLICY.tmp" <<EOT
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 300, probe_timeout_ms: 200, health_rise: 1, health_fall: 2,
  maglev_size: 251}
interfaces: {xdp: [cli0], tc: [$2]}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: $VIP, port: 80, task: chat}
backends:
  - {name: be1, id: 1, address: 198.18.2.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: 4, health_url: "http://198.18.2.2:8000/health"}
  - {name: be2, id: 2, address: 198.18.3.2, port: 8000, model: m1, provider: self,
     region: lab, capacity: $1, health_url: "http://198.18.3.2:8000/health"}
tenants:
  - {name: default, action: reject}
  - {name: lab, id: 1, prefixes: [198.18.1.0/24]}
EOT
	mv "$POLICY.tmp" "$POLICY"
}
# The unit's CapabilityBoundingSet as setpriv's --bounding-set: steerd
# starts with exactly what systemd would give it.
# the unit as make install generates it (paths of the Debian package)
UNIT=$RUN_DIR/steerd.service
sed -e 's|@SBINDIR@|/usr/sbin|g' -e 's|@SYSCONFDIR@|/etc|g' -e 's|@DOCDIR@|/usr/share/doc/steer|g' \
	"$STEER_TOP/scripts/steerd.service.in" >"$UNIT"
BOUND=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z' 'a-z' |
	sed 's/cap_//g; s/^/-all,+/; s/ /,+/g')
[ -n "$BOUND" ] || die "no CapabilityBoundingSet in $UNIT"
# start_steerd [unit] OPTIONS...: "unit": under the unit's bounding set
start_steerd() {
	local pre=()
	if [ "${1:-}" = unit ]; then
		pre=(setpriv --bounding-set="$BOUND")
		shift
	fi
	bg gw "$RUN_DIR/steerd.log" "${pre[@]}" "$STEERD" --foreground --log-level debug --pin-root "$PIN" \
		--config "$POLICY" --socket "$SOCK" --state "$RUN_DIR/state.json" --metrics off "$@"
	STEERD_PID=${STEER_PIDS[-1]}
}
stop_steerd() {
	kill "$STEERD_PID" 2>/dev/null || true
	wait "$STEERD_PID" 2>/dev/null || true
}
ctl() { timeout 20 ip netns exec "$(ns gw)" "$STEERCTL" -s "$SOCK" "$@"; }
published() { ctl -j status 2>/dev/null | jq -e '.decisions.publishes > 0 and .backends.up == 2' >/dev/null; }
publishes() { ctl -j status | jq .decisions.publishes; }
# the steerd process itself (bg started ip netns exec, which execs it)
cap() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$STEERD_PID/status"; }
ask() {
	nsx cli curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-d '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		"http://$VIP/v1/chat/completions"
}
# steer_tc is attached through a pinned bpf_link (tcx), not a tc filter
tc_on() { grep -q "steer_tc attached to $1 (tcx)" "$RUN_DIR/steerd.log"; }

# The unit's hardening as systemd rates it (offline: no systemd needed).
if command -v systemd-analyze >/dev/null 2>&1 &&
	score=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null |
		sed -n 's/.*Overall exposure level for steerd.service: \([0-9.]*\).*/\1/p') &&
	[ -n "$score" ]; then
	log "systemd-analyze security --offline=yes: exposure $score"
	check "the unit's exposure level is at most 3.0 ($score)" awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'
else
	log "systemd-analyze security --offline not available: exposure not checked"
fi
if [ "$(ps -p 1 -o comm=)" != systemd ]; then
	log "systemd is not PID 1 here ($(ps -p 1 -o comm=)): steerd is not run as the unit;" \
		"its capability bounding set is applied with setpriv instead"
fi

write_policy 4 "be1, be2"
log "bounding set of the unit: $BOUND"
start_steerd unit --read-group nogroup
wait_for 80 published || die "steerd not publishing: $(tail -20 "$RUN_DIR/steerd.log")"
log "CapEff $(cap CapEff) CapPrm $(cap CapPrm) CapBnd $(cap CapBnd) NoNewPrivs $(cap NoNewPrivs)"
expect "CapEff: cap_bpf, cap_net_admin, cap_perfmon only" "$(cap CapEff)" "$WANT"
expect "CapPrm: the same" "$(cap CapPrm)" "$WANT"
expect "CapBnd: the same" "$(cap CapBnd)" "$WANT"
expect "CapInh: none" "$(cap CapInh)" 0000000000000000
expect "NoNewPrivs" "$(cap NoNewPrivs)" 1
check "the drop is logged" grep -q "capabilities: kept cap_bpf, cap_net_admin, cap_perfmon" "$RUN_DIR/steerd.log"

expect "a connection is steered" "$(ask)" 200
check "TC not yet on be3" bash -c "! grep -q 'steer_tc attached to be3' '$RUN_DIR/steerd.log'"
p0=$(publishes)
write_policy 1 "be1, be2, be3"
kill -HUP "$STEERD_PID"
check "reload: attached TC to be3 with the kept capabilities" wait_for 50 tc_on be3
check "reload: new tables published (new inner maps)" wait_for 50 bash -c "[ \$(ip netns exec $(ns gw) $STEERCTL -s $SOCK -j status | jq .decisions.publishes) -gt $p0 ]"
check "no error in the log" bash -c "! grep -E '^[^ ]+ error |Operation not permitted' '$RUN_DIR/steerd.log'"
ex=$(ctl -j explain 198.18.1.2:40000 "$VIP:80" | jq -r .backend.name)
check "explain loads its dry-run instance ($ex)" grep -Eq '^be[12]$' <<<"$ex"
check "drain publishes" ctl backend drain be2
expect "a connection is still steered" "$(ask)" 200

ctl backend undrain be2 >/dev/null
stop_steerd
start_steerd --keep-caps
wait_for 80 published || die "steerd not publishing: $(tail -20 "$RUN_DIR/steerd.log")"
check "--keep-caps keeps more than the three ($(cap CapEff))" test "$(cap CapEff)" != "$WANT"
stop_steerd
summary
