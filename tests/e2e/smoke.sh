#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Namespace smoke test: a client, a gateway running steer_xdp/steer_tc and two
# HTTP backends, IPv4 and IPv6.
#
#   cli eth0 ──── cli0 [gw] be1 ──── eth0 be1 (tiny_httpd "be1" :8000)
#                   XDP     be2 ──── eth0 be2 (tiny_httpd "be2" :8000)
#                           TC ingress on cli0, be1, be2
#
# Checks: requests to the VIPs reach the backend the table names, replies
# come back from the VIP (reverse NAT), a table swap moves new connections
# but not an open one, conntrack and stats maps dump with named fields, no
# unexpected drops, detach works. Exit 0 pass, 1 fail, 77 skip.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

VIP4=198.18.100.1
VIP6=fd00:100::1
URL4="http://$VIP4/"
URL6="http://[$VIP6]/"
SECONDS=0

steer_init smoke

# ---- topology ----
ns_add cli gw be1 be2
veth cli eth0 gw cli0
veth gw be1 be1 eth0
veth gw be2 be2 eth0
addr cli eth0 198.18.1.2/24 fd00:1::2/64
addr gw cli0 198.18.1.1/24 fd00:1::1/64
addr gw be1 198.18.2.1/24 fd00:2::1/64
addr gw be2 198.18.3.1/24 fd00:3::1/64
addr be1 eth0 198.18.2.2/24 fd00:2::2/64
addr be2 eth0 198.18.3.2/24 fd00:3::2/64
nsx cli ip route add 198.18.100.0/24 via 198.18.1.1
nsx cli ip -6 route add fd00:100::/64 via fd00:1::1
for i in 1 2; do
	nsx be$i ip route add 198.18.1.0/24 via 198.18.$((i + 1)).1
	nsx be$i ip -6 route add fd00:1::/64 via fd00:$((i + 1))::1
	# XDP redirects into a veth are dropped unless the peer has GRO (or XDP)
	nsx be$i ethtool -K eth0 gro on >/dev/null
done
gw_sysctls gw
# the client sends into a native-XDP veth: no CHECKSUM_PARTIAL packets
nsx cli ethtool -K eth0 tx off >/dev/null
# TC redirects replies into cli0: GRO on the client end as well
nsx cli ethtool -K eth0 gro on >/dev/null

bg be1 "$RUN_DIR/be1.log" "$HTTPD" :: 8000 be1
bg be2 "$RUN_DIR/be2.log" "$HTTPD" :: 8000 be2
wait_listen be1 8000 || die "tiny_httpd be1 not listening: $(cat "$RUN_DIR/be1.log")"
wait_listen be2 8000 || die "tiny_httpd be2 not listening: $(cat "$RUN_DIR/be2.log")"

# ---- data plane ----
dp config 251 1 30000
dp attach xdp cli0
dp attach tc be1
dp attach tc be2
dp attach tc cli0
dp service $VIP4 80 tcp 0
dp service $VIP6 80 tcp 0
dp tenant 198.18.1.0/24 1
dp tenant fd00:1::/64 2
dp backend 1 198.18.2.2 8000 active
dp backend 2 198.18.3.2 8000 active
dp backend 3 fd00:2::2 8000 active
dp backend 4 fd00:3::2 8000 active
dp class 1 0 1 1 table
dp class 2 0 2 2 table
dp table 1 1
dp table 2 3
log "set up in ${SECONDS}s"

check "xdp attached to gw cli0" bash -c "ip -n $(ns gw) link show cli0 | grep -q 'prog/xdp'"
check "4 links pinned under $PIN/links" test "$(find "$PIN/links" -mindepth 1 | wc -l)" -eq 4

# GET through curl in the client namespace; prints "BODY X-BACKEND PEER".
fetch() {
	local out
	if ! out=$(nsx cli curl -sS -m 5 --noproxy '*' -D - -w 'peer=%{remote_ip}\n' "$1" 2>&1); then
		echo "curl-failed: $(echo "$out" | tail -1)"
		return 0
	fi
	echo "$out" | tr -d '\r' | awk '
		h == 0 && /^$/ { h = 1; next }
		h == 0 && tolower($1) == "x-backend:" { xb = $2 }
		h == 1 && /^peer=/ { sub(/^peer=/, ""); peer = $0; next }
		h == 1 { body = body $0 }
		END { print body, xb, peer }'
}

# Two requests on one keep-alive connection from the client namespace; the
# second is sent once $2/go exists. Writes each X-Backend to $2/r1, $2/r2.
keepalive_client() {
	local host=$1 dir=$2 i line xb len body
	exec 3<>"/dev/tcp/$host/80"
	for i in 1 2; do
		if [ "$i" -eq 2 ]; then
			for _ in $(seq 200); do
				[ -e "$dir/go" ] && break
				sleep 0.05
			done
		fi
		printf 'GET / HTTP/1.1\r\nHost: vip\r\n\r\n' >&3
		xb=none
		len=0
		while IFS= read -r -t 5 -u 3 line; do
			line=${line%$'\r'}
			[ -z "$line" ] && break
			case ${line,,} in
			x-backend:*) xb=${line#*: } ;;
			content-length:*) len=${line#*: } ;;
			esac
		done
		body=
		[ "$len" -gt 0 ] && read -r -t 5 -N "$len" -u 3 body
		[ "$body" == "$xb"$'\n' ] || xb="$xb/bad-body"
		echo "$xb" >"$dir/r$i.tmp"
		mv "$dir/r$i.tmp" "$dir/r$i"
	done
	exec 3>&-
}

# Open a keep-alive connection, swap table $2 to backend $4 between its two
# requests; both must be answered by $3 and a new connection by $4.
sticky() {
	local fam=$1 table=$2 old=$3 new=$4 newid=$5 host=$6 url=$7 dir pid r1 r2
	dir=$RUN_DIR/sticky$fam
	mkdir "$dir"
	nsx cli bash -c "$(declare -f keepalive_client); keepalive_client '$host' '$dir'" \
		>"$dir/log" 2>&1 &
	pid=$!
	STEER_PIDS+=("$pid")
	for _ in $(seq 100); do
		[ -e "$dir/r1" ] && break
		sleep 0.05
	done
	dp table "$table" "$newid"
	touch "$dir/go"
	wait "$pid" || true
	r1=$(cat "$dir/r1" 2>/dev/null || echo missing)
	r2=$(cat "$dir/r2" 2>/dev/null || echo missing)
	expect "IPv$fam keep-alive request 1 before the swap" "$r1" "$old"
	expect "IPv$fam keep-alive request 2 after the swap: same backend" "$r2" "$old"
	expect "IPv$fam new connection after the swap" "$(fetch "$url")" "$new $new $host"
}

# ---- IPv4 ----
for i in 1 2 3; do
	expect "IPv4 connection $i to table 1 = {be1}" "$(fetch "$URL4")" "be1 be1 $VIP4"
done
dp table 1 2
for i in 1 2; do
	expect "IPv4 connection $i to table 1 = {be2}" "$(fetch "$URL4")" "be2 be2 $VIP4"
done
sticky 4 1 be2 be1 1 "$VIP4" "$URL4"

# ---- IPv6 ----
for i in 1 2 3; do
	expect "IPv6 connection $i to table 2 = {be1}" "$(fetch "$URL6")" "be1 be1 $VIP6"
done
dp table 2 4
for i in 1 2; do
	expect "IPv6 connection $i to table 2 = {be2}" "$(fetch "$URL6")" "be2 be2 $VIP6"
done
sticky 6 2 be2 be1 3 "$VIP6" "$URL6"

# ---- maps as bpftool shows them ----
ct=$(bpftool map dump pinned "$PIN/ct")
check "ct dump has named fields" grep -q '"backend_id"' <<<"$ct"
for id in 1 2 3 4; do
	check "ct has entries for backend $id" grep -q "\"backend_id\": $id," <<<"$ct"
done
check "rct dump has named fields" bash -c "bpftool map dump pinned '$PIN/rct' | grep -q '\"vport\"'"

stats=$(bpftool map dump pinned "$PIN/backend_stats")
check "backend_stats dump has named fields" grep -q '"new_flows"' <<<"$stats"
# "ID NEW_FLOWS REPLY_PACKETS" (summed over CPUs) for every backend used
flows=$(awk '/"key": / { k = $2; sub(/,$/, "", k) }
	/"new_flows": / { v = $2; sub(/,$/, "", v); nf[k] += v }
	/"reply_packets": / { v = $2; sub(/,$/, "", v); rp[k] += v }
	END { for (k in nf) if (nf[k] || rp[k]) print k, nf[k], rp[k] }' <<<"$stats")
for id in 1 2 3 4; do
	n=$(awk -v id="$id" '$1 == id { print $2 }' <<<"$flows")
	r=$(awk -v id="$id" '$1 == id { print $3 }' <<<"$flows")
	check "backend $id new_flows > 0 (bpftool: ${n:-0})" test "${n:-0}" -gt 0
	check "backend $id reply_packets > 0, reverse NAT by TC (bpftool: ${r:-0})" \
		test "${r:-0}" -gt 0
	n2=$(dp stats backend "$id" | awk '$1 == "new_flows" { print $2 }')
	expect "backend $id new_flows: dpctl agrees with bpftool" "$n2" "${n:-0}"
done
for r in drop_fib drop_no_backend drop_no_class drop_no_config drop_bad_l4 drop_trunc_l4; do
	n=$(dp stats reason "$r" | awk '$1 == "xdp_packets" || $1 == "tc_packets" { s += $2 } END { print s + 0 }')
	expect "no $r drops" "$n" 0
done
# The first packet towards each backend address meets an unresolved
# neighbour and is passed to the stack; every later one takes the fast path.
n=$(dp stats reason pass_no_neigh | awk '$1 == "xdp_packets" { print $2 }')
check "pass_no_neigh only until neighbours resolve (xdp: $n, 4 backend addresses)" \
	test "$n" -ge 1 -a "$n" -le 4

# ---- detach ----
dp detach xdp cli0
check "xdp detached from gw cli0" bash -c "! ip -n $(ns gw) link show cli0 | grep -q 'prog/xdp'"
dp detach tc be1
check "links unpinned" test "$(find "$PIN/links" -mindepth 1 | wc -l)" -eq 2
check "bad arguments are refused" bash -c "! '$DPCTL' --pin-root '$PIN' backend 0 1.2.3.4 80 up 2>/dev/null"

log "done in ${SECONDS}s"
summary
