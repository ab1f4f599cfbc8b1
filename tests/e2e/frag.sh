#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Fragments (docs/datapath.md, "Fragments"): a UDP service, and a client
# whose 4000-byte datagrams its own stack cuts into three fragments (MTU
# 1500). steer_xdp steers the fragments of each datagram to the backend of
# the first; the backend's echo, fragmented the same way, comes back
# through steer_tc, every fragment from the VIP. IPv4 and IPv6.
#   cli eth0 --- cli0 [gw] be1 --- eth0 be1 (UDP echo on 8053)
# Checks: every request answered with its own bytes, through the VIP;
# ev_frag_first / ev_frag_follow counted in both hooks; a datagram too big
# for one packet never reached the stack unNATed (pass_frag_no_first 0).
# Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

VIP4=198.18.100.1
VIP6=fd00:100::1
N_REQ=${FRAG_REQUESTS:-5}
SECONDS=0

steer_init frag

# ---- topology ----
ns_add cli gw be1
veth cli eth0 gw cli0
veth gw be1 be1 eth0
addr cli eth0 198.18.1.2/24 fd00:1::2/64
addr gw cli0 198.18.1.1/24 fd00:1::1/64
addr gw be1 198.18.2.1/24 fd00:2::1/64
addr be1 eth0 198.18.2.2/24 fd00:2::2/64
nsx cli ip route add 198.18.100.0/24 via 198.18.1.1
nsx cli ip -6 route add fd00:100::/64 via fd00:1::1
nsx be1 ip route add 198.18.1.0/24 via 198.18.2.1
nsx be1 ip -6 route add fd00:1::/64 via fd00:2::1
gw_sysctls gw
# XDP redirects into be1 and TC into cli0: GRO on the peers
nsx be1 ethtool -K eth0 gro on >/dev/null
nsx cli ethtool -K eth0 tx off gro on >/dev/null

# the backend: a UDP echo server, both families (a v6 socket, v4-mapped too)
bg be1 "$RUN_DIR/echo.log" python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 8053))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
'
for _ in $(seq 50); do grep -q ready "$RUN_DIR/echo.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$RUN_DIR/echo.log" || die "echo server not ready: $(cat "$RUN_DIR/echo.log")"

# ---- data plane ----
dp config 251 1 30000
dp attach xdp cli0
dp attach tc be1
dp attach tc cli0
dp service $VIP4 53 udp 0
dp service $VIP6 53 udp 0
dp tenant 198.18.1.0/24 1
dp tenant fd00:1::/64 2
dp backend 1 198.18.2.2 8053 active
dp backend 3 fd00:2::2 8053 active
dp class 1 0 1 1 table
dp class 2 0 2 2 table
dp table 1 1
dp table 2 3
sleep 1 # IPv6: links up, no DAD
log "set up in ${SECONDS}s"

reason() { dp stats reason "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

# prints how many of n 4000-byte requests came back whole, from the VIP
ask() { # family vip n
	nsx cli python3 - "$@" <<'EOF'
import os, socket, sys
fam, vip, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
af = socket.AF_INET if fam == "4" else socket.AF_INET6
ok = 0
for i in range(n):
    s = socket.socket(af, socket.SOCK_DGRAM)
    if af == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER: DONT, the stack fragments
    s.settimeout(2)
    s.connect((vip, 53))  # replies from anywhere else are not received
    msg = os.urandom(4000)
    s.send(msg)
    try:
        if s.recv(65535) == msg:
            ok += 1
    except socket.timeout:
        pass
    s.close()
print(ok)
EOF
}

for fam in 4 6; do
	if [ $fam = 4 ]; then vip=$VIP4; else vip=$VIP6; fi
	expect "IPv$fam: $N_REQ fragmented 4000-byte UDP requests echoed whole through the VIP" \
		"$(ask $fam $vip "$N_REQ")" "$N_REQ"
done

first_x=$(reason ev_frag_first xdp_packets)
follow_x=$(reason ev_frag_follow xdp_packets)
first_t=$(reason ev_frag_first tc_packets)
follow_t=$(reason ev_frag_follow tc_packets)
nofirst=$(reason pass_frag_no_first xdp_packets)
log "xdp: ev_frag_first $first_x ev_frag_follow $follow_x pass_frag_no_first $nofirst;" \
	"tc: ev_frag_first $first_t ev_frag_follow $follow_t"
# 2 families x N_REQ datagrams of 3 fragments each way
expect "xdp: each request's first fragment noted" "$first_x" $((2 * N_REQ))
expect "xdp: its two later fragments followed" "$follow_x" $((4 * N_REQ))
expect "tc: each reply's first fragment noted" "$first_t" $((2 * N_REQ))
expect "tc: its two later fragments followed" "$follow_t" $((4 * N_REQ))
expect "no later fragment reached the stack" "${nofirst:-0}" 0

log "done in ${SECONDS}s"
summary
