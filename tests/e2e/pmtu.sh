#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Namespace test: steer behaves as a router for path MTU and TTL (issue 13).
#
#   cli eth0 ──── cli0 [gw] r0 ═══ eth0 [rt] eth1 ──── eth0 be1 (tiny_httpd :8000)
#       1500        XDP    1400 link   1500      1500
#                   TC ingress on r0 and cli0
#
# The backend's own link is 1500 (it announces MSS 1460), the link between
# the gateway and the router in front of it only 1400. Checks:
# - 10 KB POSTs to the VIP (IPv4, IPv6) complete: the gateway answers the
#   client's 1500-byte segments ICMP frag needed / packet too big quoting
#   the VIP, the client lowers its path MTU (PMTU discovery works);
# - traceroute-style TCP probes: a SYN to the VIP with TTL / hop limit 1
#   fails at once with EHOSTUNREACH (time exceeded, quoting the VIP, from
#   the gateway's address: the client's stack matched it to the socket),
#   with 2 it fails the same way from rt (its error quotes the NATed SYN:
#   steer_tc translates it back to the VIP), with 3 it connects;
# - the counters: drop_frag_needed and drop_ttl_exceeded.
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

VIP4=198.18.100.1
VIP6=fd00:100::1
N_POST=${PMTU_POSTS:-8}
SECONDS=0

steer_init pmtu

# ---- topology ----
ns_add cli gw rt be1
veth cli eth0 gw cli0
veth gw r0 rt eth0
veth rt eth1 be1 eth0
addr cli eth0 198.18.1.2/24 fd00:1::2/64
addr gw cli0 198.18.1.1/24 fd00:1::1/64
addr gw r0 198.18.5.1/24 fd00:5::1/64
addr rt eth0 198.18.5.2/24 fd00:5::2/64
addr rt eth1 198.18.2.1/24 fd00:2::1/64
addr be1 eth0 198.18.2.2/24 fd00:2::2/64
# the narrow link: both ends at 1400
ip -n "$(ns gw)" link set r0 mtu 1400
ip -n "$(ns rt)" link set eth0 mtu 1400
nsx cli ip route add 198.18.100.0/24 via 198.18.1.1
nsx cli ip -6 route add fd00:100::/64 via fd00:1::1
nsx gw ip route add 198.18.2.0/24 via 198.18.5.2
nsx gw ip -6 route add fd00:2::/64 via fd00:5::2
nsx rt ip route add 198.18.1.0/24 via 198.18.5.1
nsx rt ip -6 route add fd00:1::/64 via fd00:5::1
nsx be1 ip route add 198.18.1.0/24 via 198.18.2.1
nsx be1 ip -6 route add fd00:1::/64 via fd00:2::1
gw_sysctls gw
nsx rt sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# XDP redirects into r0 and XDP_TX / TC redirects into cli0: GRO on the peers
nsx rt ethtool -K eth0 gro on >/dev/null
nsx cli ethtool -K eth0 tx off gro on >/dev/null

bg be1 "$RUN_DIR/be1.log" "$HTTPD" :: 8000 be1
wait_listen be1 8000 || die "tiny_httpd be1 not listening: $(cat "$RUN_DIR/be1.log")"

# ---- data plane ----
dp config 251 1 30000
dp attach xdp cli0
dp attach tc r0
dp attach tc cli0
dp service $VIP4 80 tcp 0
dp service $VIP6 80 tcp 0
dp tenant 198.18.1.0/24 1
dp tenant fd00:1::/64 2
dp backend 1 198.18.2.2 8000 active
dp backend 3 fd00:2::2 8000 active
dp class 1 0 1 1 table
dp class 2 0 2 2 table
dp table 1 1
dp table 2 3
sleep 1 # IPv6: links up, no DAD
log "set up in ${SECONDS}s"

reason() { dp stats reason "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

# ---- path MTU: 10 KB POSTs ----
head -c 10240 /dev/urandom >"$RUN_DIR/body"
post() { # url: prints the HTTP status (tiny_httpd reads the whole body, then answers 405)
	nsx cli curl -sS -m 10 --noproxy '*' -o /dev/null -w '%{http_code}' \
		--data-binary @"$RUN_DIR/body" "$1" 2>/dev/null || echo fail
}
for fam in 4 6; do
	if [ $fam = 4 ]; then url="http://$VIP4/"; else url="http://[$VIP6]/"; fi
	ok=0
	for _ in $(seq "$N_POST"); do
		[ "$(post "$url")" = 405 ] && ok=$((ok + 1))
	done
	expect "IPv$fam: $N_POST POSTs of 10 KB through the VIP answered over the 1400 link" \
		"$ok" "$N_POST"
done
fn=$(reason drop_frag_needed xdp_packets)
log "drop_frag_needed: $fn; client's cached path MTUs: $(nsx cli ip route get $VIP4 | grep -o 'mtu [0-9]*' || true)," \
	"$(nsx cli ip -6 route get $VIP6 | grep -o 'mtu [0-9]*' || true)"
check "frag needed / packet too big sent and counted (drop_frag_needed $fn)" test "${fn:-0}" -ge 2
check "the client learnt path MTU 1400 for $VIP4" \
	bash -c "ip netns exec $(ns cli) ip route get $VIP4 | grep -q 'mtu 1400'"
check "the client learnt path MTU 1400 for $VIP6" \
	bash -c "ip netns exec $(ns cli) ip -6 route get $VIP6 | grep -q 'mtu 1400'"

# ---- TTL: traceroute-style TCP probes ----
# prints "errno offender" for a connect with the given TTL / hop limit
probe() { # family vip ttl
	nsx cli python3 - "$@" <<'EOF'
import errno, socket, struct, sys, time
fam, vip, ttl = sys.argv[1], sys.argv[2], int(sys.argv[3])
af = socket.AF_INET if fam == "4" else socket.AF_INET6
s = socket.socket(af, socket.SOCK_STREAM)
if af == socket.AF_INET:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.setsockopt(socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
else:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
    s.setsockopt(socket.IPPROTO_IPV6, 25, 1)  # IPV6_RECVERR
s.settimeout(3)
t0 = time.monotonic()
try:
    s.connect((vip, 80))
    print("connected -")
except OSError as e:
    who = "-"
    try:
        _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
        for _, _, data in anc:
            # struct sock_extended_err (16 bytes), then the offender's sockaddr
            if af == socket.AF_INET:
                who = socket.inet_ntop(af, data[20:24])
            else:
                who = socket.inet_ntop(af, data[24:40])
    except OSError:
        pass
    name = errno.errorcode.get(e.errno, str(e.errno)) if e.errno else "timeout"
    print("%s %s %.2fs" % (name, who, time.monotonic() - t0))
EOF
}
out=$(probe 4 $VIP4 1)
log "IPv4 TTL 1: $out"
expect "IPv4 SYN with TTL 1: time exceeded from the gateway (198.18.1.1), matched to the socket" \
	"$(echo "$out" | cut -d' ' -f1-2)" "EHOSTUNREACH 198.18.1.1"
out=$(probe 4 $VIP4 2)
log "IPv4 TTL 2: $out"
expect "IPv4 SYN with TTL 2: time exceeded from rt (198.18.5.2), translated back to the VIP by steer_tc" \
	"$(echo "$out" | cut -d' ' -f1-2)" "EHOSTUNREACH 198.18.5.2"
out=$(probe 4 $VIP4 3)
expect "IPv4 SYN with TTL 3 connects (the gateway and rt are a hop each)" "$out" "connected -"
out=$(probe 6 $VIP6 1)
log "IPv6 hop limit 1: $out"
expect "IPv6 SYN with hop limit 1: time exceeded from the gateway (fd00:1::1)" \
	"$(echo "$out" | cut -d' ' -f1-2)" "EHOSTUNREACH fd00:1::1"
out=$(probe 6 $VIP6 2)
log "IPv6 hop limit 2: $out"
expect "IPv6 SYN with hop limit 2: time exceeded from rt (fd00:5::2), translated" \
	"$(echo "$out" | cut -d' ' -f1-2)" "EHOSTUNREACH fd00:5::2"
out=$(probe 6 $VIP6 3)
expect "IPv6 SYN with hop limit 3 connects" "$out" "connected -"
te=$(reason drop_ttl_exceeded xdp_packets)
check "time exceeded counted (drop_ttl_exceeded $te)" test "${te:-0}" -ge 2
tn=$(reason pass_icmp_natted tc_packets)
check "rt's errors translated (pass_icmp_natted $tn)" test "${tn:-0}" -ge 2

log "xdp reasons: $(xdp_reasons); tc reasons: $(tc_reasons)"
summary
