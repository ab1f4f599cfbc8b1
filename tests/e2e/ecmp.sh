#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Two gateways behind an ECMP route. A router spreads the VIP over two
# gateways with the kernel's multipath routing, hashing on L4
# (fib_multipath_hash_policy=1, IPv4 and IPv6). Both gateways run steerd
# with the same policy file (same hash seed, ids and capacities), so their
# Maglev tables agree; each reaches every backend over its own link.
#
#   cli ──── rt ──r1── gw1 (steerd) ─┬─ e1 ── be1 be2 be3 (mockllm on lo:
#   198.18.1.2        ──r2── gw2 (steerd) ─┴─ e2 ──  198.18.50.i, fd00:50::i)
#   fd00:1::2   rt: 198.18.100.1/32 and fd00:100::1/128 nexthop via gw1
#               nexthop via gw2
#
# Addresses: cli-rt 198.18.1.0/24 fd00:1::/64; rt-gwN 198.18.20N.0/24
# fd00:20N::/64; gwN-bei 198.18.(10N+i).0/24 fd00:(10N+i)::/64; backend i
# serves on lo at 198.18.50.i / fd00:50::i, which each gateway routes via
# its own link to it.
#
# Replies: in NAT mode a backend's reply must go back through the gateway
# that sent it the request (that gateway holds the reverse-NAT entry). The
# client's address tells nothing about that, so each backend marks every
# packet by the link it came in on (nftables: meta mark from iifname, saved
# in the conntrack mark), restores the mark on its own packets, and routes
# marked replies by policy (fwmark 1 -> via gw1, fwmark 2 -> via gw2;
# tcp_fwmark_accept gives the SYN-ACK the SYN's mark). The
# mark follows the latest packet, so a connection that moves to the other
# gateway has its replies follow it.
#
# Run: 36 long streams (24 IPv4, 12 IPv6; each 100 tokens at 10 tokens/s,
# fixed client ports), spread by the router's hash; which gateway carries
# which stream is read from each gateway's conntrack map. Mid-run gw1's
# router link is deleted and the route falls back to gw2. Reported: how
# many streams of each gateway survived. gw1's streams can move to gw2: a
# mid-stream packet with no entry is steered by gw2's table, identical to
# gw1's, to the same backend, whose replies then follow the mark to gw2.
# But a streaming client only receives: it sends nothing until data
# arrives, and the backend retransmits towards gw1. The clients therefore
# use TCP keepalive (curl --keepalive-time 1): its probe reaches gw2 and
# unblocks the stream. Without keepalive (or shared conntrack) gw1's
# streams stall until the client times out.
# Asserted: every stream that was on gw2 survives; both gateways carried
# streams; the two tables are identical; gw2 sends each of gw1's flows to
# the backend gw1 had chosen, except those gw1's bounded load had diverted
# (the streams open at once, a burst: their backend depended on gw1's
# loads; gw2 steers them by the plain table). The diverted share and what
# it cost are reported.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0
TOK=100
N4=24
N6=12

steer_init ecmp
command -v nft >/dev/null 2>&1 || skip "missing tool: nft"
for t in "$MOCKLLM" "$STEERD"; do [ -x "$t" ] || die "missing $t (run make first)"; done

# ---- topology ----
ns_add cli rt gw1 gw2 be1 be2 be3
veth cli eth0 rt c
addr cli eth0 198.18.1.2/24 fd00:1::2/64
addr rt c 198.18.1.1/24 fd00:1::1/64
nsx cli ip route add default via 198.18.1.1
nsx cli ip -6 route add default via fd00:1::1
nsx cli ethtool -K eth0 tx off >/dev/null
nsx cli ethtool -K eth0 gro on >/dev/null
nsx rt sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
for g in 1 2; do
	veth rt "r$g" "gw$g" r
	addr rt "r$g" "198.18.20$g.1/24" "fd00:20$g::1/64"
	addr "gw$g" r "198.18.20$g.2/24" "fd00:20$g::2/64"
	nsx rt ethtool -K "r$g" tx off >/dev/null
	nsx rt ethtool -K "r$g" gro on >/dev/null
	nsx "gw$g" ip route add 198.18.1.0/24 via "198.18.20$g.1"
	nsx "gw$g" ip -6 route add fd00:1::/64 via "fd00:20$g::1"
done
nsx rt ip route add 198.18.100.1/32 nexthop via 198.18.201.2 nexthop via 198.18.202.2
nsx rt ip -6 route add fd00:100::1/128 nexthop via fd00:201::2 nexthop via fd00:202::2
for i in 1 2 3; do
	nsx "be$i" ip addr add "198.18.50.$i/32" dev lo
	nsx "be$i" ip addr add "fd00:50::$i/128" dev lo nodad
	for g in 1 2; do
		n=$((10 * g + i))
		veth "gw$g" "b$i" "be$i" "e$g"
		addr "gw$g" "b$i" "198.18.$n.1/24" "fd00:$n::1/64"
		addr "be$i" "e$g" "198.18.$n.2/24" "fd00:$n::2/64"
		nsx "gw$g" ip route add "198.18.50.$i/32" via "198.18.$n.2"
		nsx "gw$g" ip -6 route add "fd00:50::$i/128" via "fd00:$n::2"
		nsx "be$i" ethtool -K "e$g" gro on >/dev/null
		# replies marked $g go back through gw$g
		nsx "be$i" ip route add 198.18.1.0/24 via "198.18.$n.1" table "10$g"
		nsx "be$i" ip -6 route add fd00:1::/64 via "fd00:$n::1" table "10$g"
		nsx "be$i" ip rule add fwmark "$g" lookup "10$g"
		nsx "be$i" ip -6 rule add fwmark "$g" lookup "10$g"
	done
	# a route in the main table too (else the SYN-ACK's first lookup fails
	# before the mark is set), and accepted connections take the SYN's mark
	nsx "be$i" ip route add 198.18.1.0/24 via "198.18.1$i.1"
	nsx "be$i" ip -6 route add fd00:1::/64 via "fd00:1$i::1"
	nsx "be$i" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.e1.rp_filter=0 net.ipv4.conf.e2.rp_filter=0 net.ipv4.tcp_fwmark_accept=1
	nsx "be$i" nft -f - <<'NFT'
table inet steer_ecmp {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		iifname "e1" ct mark set 1
		iifname "e2" ct mark set 2
		ct mark != 0 meta mark set ct mark
	}
	chain out {
		type route hook output priority mangle; policy accept;
		ct mark != 0 meta mark set ct mark
	}
}
NFT
done
gw_sysctls gw1
gw_sysctls gw2

for i in 1 2 3; do
	bg "be$i" "$RUN_DIR/be$i.out" "$MOCKLLM" --listen "198.18.50.$i:8000" \
		--listen "[fd00:50::$i]:8000" --name "be$i" --model m --slots 64 \
		--ttft-ms 20 --tps 10 --log "$RUN_DIR/be$i.req"
done
for i in 1 2 3; do wait_listen "be$i" 8000 || die "mockllm be$i: $(cat "$RUN_DIR/be$i.out")"; done

# ---- one policy, two steerds ----
POLICY=$RUN_DIR/policy.yaml
{
	cat <<EOT
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 300, probe_timeout_ms: 200, health_rise: 1, health_fall: 2,
  maglev_size: 251, hash_seed: 0x5eed, hysteresis: 0.2}
objective: {latency: 0}
tasks: [chat]
models:
  - {name: m, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat4, vip: 198.18.100.1, port: 80, task: chat}
  - {name: chat6, vip: "fd00:100::1", port: 80, task: chat}
backends:
EOT
	for i in 1 2 3; do
		# no metrics page and a large capacity: weights depend on nothing that
		# differs between the gateways
		echo "  - {name: be$i, id: $i, address: 198.18.50.$i, port: 8000, model: m, provider: p, region: r, capacity: 100000, health_url: \"http://198.18.50.$i:8000/health\"}"
		echo "  - {name: be$i-6, id: $((100 + i)), address: \"fd00:50::$i\", port: 8000, model: m, provider: p, region: r, capacity: 100000, health_url: \"http://198.18.50.$i:8000/health\"}"
	done
	cat <<EOT
tenants:
  - {name: lab, id: 1, prefixes: [198.18.1.0/24, "fd00:1::/64"]}
EOT
} >"$POLICY"
for g in 1 2; do
	mkdir "$PIN/gw$g" # one bpffs, a pin root per gateway
	# shellcheck disable=SC2046
	bg "gw$g" "$RUN_DIR/steerd$g.log" "$STEERD" --foreground $(steerd_opts | sed "s/steerd.sock/steerd$g.sock/; s/state.json/state$g.json/") \
		--pin-root "$PIN/gw$g" --config "$POLICY" --xdp r --tc b1 --tc b2 --tc b3
done
up() { # gateway: every backend active, both classes with a table
	local i
	for i in 1 2 3 101 102 103; do
		bpftool -j map lookup pinned "$PIN/gw$1/backends" key $i 0 0 0 2>/dev/null |
			grep -q '"state": *1' || return 1
	done
	[ "$(bpftool -j map dump pinned "$PIN/gw$1/classes" | grep -o '"table_id": *[1-9]' | wc -l)" -ge 2 ]
}
wait_for 100 up 1 || die "gw1 steerd not ready: $(tail -5 "$RUN_DIR/steerd1.log")"
wait_for 100 up 2 || die "gw2 steerd not ready: $(tail -5 "$RUN_DIR/steerd2.log")"
sleep 0.6
log "both gateways ready after ${SECONDS}s"

# Maglev slots of every table, in table id order (hash of them): the
# gateways must agree. Raw hex: map-in-map and inner tables carry no BTF.
le() { python3 -c '
import json, sys
for e in sorted(json.load(sys.stdin), key=lambda e: int.from_bytes(bytes(int(x, 16) for x in e["key"]), "little")):
    print(int.from_bytes(bytes(int(x, 16) for x in e["value"]), "little"))'; }
tables_of() {
	local id
	for id in $(bpftool -j map dump pinned "$PIN/gw$1/tables" | le); do
		bpftool -j map dump id "$id" | le | tr '\n' ,
		echo
	done | md5sum | cut -c1-12
}
# "client_port backend_id" of every flow in a gateway's conntrack
flows_of() {
	bpftool -j map dump pinned "$PIN/gw$1/ct" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    f = e["formatted"]
    p = f["key"]["sport"]
    print(((p & 0xff) << 8) | (p >> 8), f["value"]["backend_id"])' | sort -n
}
t1=$(tables_of 1)
t2=$(tables_of 2)
expect "both gateways publish identical Maglev tables" "$t1" "$t2"

# ---- streams ----
for k in $(seq $N4); do
	(
		trap - ERR
		nsx cli curl -s -N -m 40 --keepalive-time 1 --local-port $((41000 + k)) -H 'Content-Type: application/json' \
			-d "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":$TOK}" \
			http://198.18.100.1/v1/chat/completions >"$RUN_DIR/s4-$k" 2>&1 || true
	) &
	STEER_PIDS+=($!)
	STREAM_PIDS+=($!)
done
for k in $(seq $N6); do
	(
		trap - ERR
		nsx cli curl -g -s -N -m 40 --keepalive-time 1 --local-port $((42000 + k)) -H 'Content-Type: application/json' \
			-d "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":$TOK}" \
			"http://[fd00:100::1]/v1/chat/completions" >"$RUN_DIR/s6-$k" 2>&1 || true
	) &
	STEER_PIDS+=($!)
	STREAM_PIDS+=($!)
done
NS=$((N4 + N6))
wait_for 100 bash -c "[ \$(grep -l '\"backend\"' $RUN_DIR/s[46]-* 2>/dev/null | wc -l) -eq $NS ]" ||
	log "warning: not every stream started"

# which gateway carries which client port (and to which backend)
flows_of 1 >"$RUN_DIR/flows1"
flows_of 2 >"$RUN_DIR/flows2"
cut -d' ' -f1 "$RUN_DIR/flows1" >"$RUN_DIR/ports1"
cut -d' ' -f1 "$RUN_DIR/flows2" >"$RUN_DIR/ports2"
on_gw() { # stream file -> 1, 2 or ?
	local f=${1##*/} p
	case $f in s4-*) p=$((41000 + ${f#s4-})) ;; s6-*) p=$((42000 + ${f#s6-})) ;; esac
	if grep -qx "$p" "$RUN_DIR/ports1"; then echo 1; elif grep -qx "$p" "$RUN_DIR/ports2"; then echo 2; else echo "?"; fi
}
declare -A GW=()
c1=0 c2=0
for f in "$RUN_DIR"/s[46]-*; do
	GW[$f]=$(on_gw "$f")
	case ${GW[$f]} in 1) c1=$((c1 + 1)) ;; 2) c2=$((c2 + 1)) ;; esac
done
log "$NS streams open: $c1 through gw1, $c2 through gw2"
check "the router spreads streams over both gateways ($c1 / $c2)" test "$c1" -gt 0 -a "$c2" -gt 0
expect "every stream is on exactly one gateway" $((c1 + c2)) $NS

# flows gw1's bounded load moved off their Maglev choice (ev_bound_divert)
div1=$(PIN=$PIN/gw1 xdp_reasons | tr ' ' '\n' | awk -F= '$1 == 30 {print $2}')
div1=${div1:-0}
log "gw1's bounded load diverted $div1 of its $c1 flows"
sleep 2
log "gw1 down: deleting its router link; the route falls back to gw2"
nsx rt ip link del r1
nsx rt ip route replace 198.18.100.1/32 via 198.18.202.2
nsx rt ip -6 route replace fd00:100::1/128 via fd00:202::2
sleep 2
# gw1's flows as gw2 now steers them: same backend as gw1 chose?
flows_of 2 >"$RUN_DIR/flows2b"
same=$(join "$RUN_DIR/flows1" "$RUN_DIR/flows2b" | awk '$2 == $3' | wc -l)
moved=$(join "$RUN_DIR/flows1" "$RUN_DIR/flows2b" | wc -l)
log "gw1's $c1 flows: $moved now in gw2's conntrack, $same of them on the backend gw1 had chosen"
log "gw2 reasons: xdp $(PIN=$PIN/gw2 xdp_reasons), tc $(PIN=$PIN/gw2 tc_reasons)"
check "gw2 sends gw1's flows to the backends gw1 had chosen, but for the $div1 diverted ($same of $moved)" \
	test "$same" -ge $((moved - div1))
for p in "${STREAM_PIDS[@]}"; do wait "$p" || true; done

ok1=0 ok2=0 bad=""
for f in "$RUN_DIR"/s[46]-*; do
	if stream_ok "$f" $TOK; then
		case ${GW[$f]} in 1) ok1=$((ok1 + 1)) ;; 2) ok2=$((ok2 + 1)) ;; esac
	else
		[ "${GW[$f]}" = 2 ] && bad+=" ${f##*/}($(grep -c '"content":"tok' "$f") tokens)"
	fi
done
nonsyn=$(bpftool -j map lookup pinned "$PIN/gw2/xdp_reasons" key 22 0 0 0 2>/dev/null |
	python3 -c 'import json,sys; print(sum(v["value"]["packets"] for v in json.load(sys.stdin)["formatted"]["values"]))' || echo "?")
log "survived: gw2 $ok2 of $c2, gw1 (moved to gw2) $ok1 of $c1; total $((ok1 + ok2)) of $NS;" \
	"gw2 steered $nonsyn mid-stream packets with no entry"
expect "every stream on the surviving gateway survived ($ok2 of $c2)" "$ok2" "$c2"
[ -z "$bad" ] || log "broken on gw2:$bad"
echo "ecmp survival: gw2 $ok2/$c2, gw1 $ok1/$c1 ($div1 diverted by the bound), total $((ok1 + ok2))/$NS"

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || { grep -v debug "$RUN_DIR/steerd1.log" | tail -10; grep -v debug "$RUN_DIR/steerd2.log" | tail -10; }
summary
