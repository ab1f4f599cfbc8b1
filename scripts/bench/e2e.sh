#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End-to-end benchmark: short HTTP requests (wrk) through the same gateway
# namespace to the same backends, for every contender:
#
#   cli eth0 ── cli0 [gw] be1 ── eth0 be  (tiny_httpd on :8000, addresses
#                                          198.18.2.2 and 198.18.2.3)
#
#   direct      client -> 198.18.2.2:8000, the gateway only routes
#   steer       VIP 198.18.100.1:8000, steer_xdp on cli0 + steer_tc on be1,
#               Maglev over both backend addresses (attached only for its turn)
#   nft-numgen  VIP .2: nftables DNAT, numgen inc mod 2 (table loaded for its turn)
#   nft-jhash   VIP .3: nftables DNAT, jhash of saddr . sport mod 2
#   haproxy     VIP .4 (local on gw): HAProxy mode tcp, roundrobin
#   nginx       VIP .5 (local on gw): nginx stream proxy, round robin
#
# Modes: keep-alive, and a new connection per request (Connection: close).
# Each round runs every contender once per mode, the order rotated from
# round to round. CPU is machine-wide busy time from /proc/stat over the
# run (softirq included), per request.
#
#   e2e.sh OUTDIR [ROUNDS SECONDS CONNS]     (default 3 5 32)
# Env: E2E_CONTENDERS, E2E_MODES (subsets), E2E_WARM (warm-up s per run, 0: none).
#
# Writes OUTDIR/e2e.tsv (round mode contender rps p50_us p99_us
# cpu_us_per_req errors) and OUTDIR/e2e-lat-MODE-CONTENDER.dat (latency
# percentiles of the last round, for the plots). Exit 77 if not possible.
set -euo pipefail
OUTDIR=$(realpath "${1:?outdir}")
ROUNDS=${2:-3}
DUR=${3:-5}
CONNS=${4:-32}
# shellcheck source-path=SCRIPTDIR source=../../tests/e2e/lib.sh
. "$(dirname "$0")/../../tests/e2e/lib.sh"

steer_init bench-e2e
for t in wrk nft haproxy nginx; do
	command -v $t >/dev/null 2>&1 || skip "missing tool: $t"
done
NGINX_STREAM=/usr/lib/nginx/modules/ngx_stream_module.so
[ -e "$NGINX_STREAM" ] || skip "missing $NGINX_STREAM (libnginx-mod-stream)"
mkdir -p "$OUTDIR/e2e-logs"

# ---- topology ----
ns_add cli gw be
veth cli eth0 gw cli0
veth gw be1 be eth0
addr cli eth0 198.18.1.2/24
addr gw cli0 198.18.1.1/24
addr gw be1 198.18.2.1/24
addr be eth0 198.18.2.2/24 198.18.2.3/24
nsx cli ip route add 198.18.100.0/24 via 198.18.1.1
nsx cli ip route add 198.18.2.0/24 via 198.18.1.1
nsx be ip route add 198.18.1.0/24 via 198.18.2.1
nsx gw ip addr add 198.18.100.4/32 dev lo
nsx gw ip addr add 198.18.100.5/32 dev lo
gw_sysctls gw
# the same NIC settings for every contender (steer needs them: docs/design.md, "Kernel facts")
nsx be ethtool -K eth0 gro on >/dev/null
nsx cli ethtool -K eth0 tx off gro on >/dev/null
# No TIME_WAIT sockets: with a connection per request the client's ports
# wrap within seconds, and a SYN meeting a TIME_WAIT left by another
# contender (other destination address, so another timestamp offset) is
# answered with an ACK and retransmitted 1 s later, which would charge one
# contender for another's traffic.
for n in cli gw be; do
	nsx $n sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1 \
		net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096 \
		net.ipv4.tcp_max_tw_buckets=0
done

bg be "$RUN_DIR/httpd.log" "$HTTPD" 0.0.0.0 8000 be
wait_listen be 8000 || die "tiny_httpd not listening: $(cat "$RUN_DIR/httpd.log")"

# ---- contenders ----
cat >"$RUN_DIR/haproxy.cfg" <<EOF
global
	maxconn 8000
	nbthread 2
defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
frontend fe
	bind 198.18.100.4:8000
	default_backend bk
backend bk
	balance roundrobin
	server b1 198.18.2.2:8000
	server b2 198.18.2.3:8000
EOF
bg gw "$OUTDIR/e2e-logs/haproxy.log" haproxy -db -f "$RUN_DIR/haproxy.cfg"

mkdir -p "$RUN_DIR/nginx/logs"
cat >"$RUN_DIR/nginx.conf" <<EOF
load_module $NGINX_STREAM;
daemon off;
worker_processes 2;
pid $RUN_DIR/nginx/nginx.pid;
error_log $RUN_DIR/nginx/error.log warn;
events { worker_connections 8000; }
worker_rlimit_nofile 20000;
stream {
	upstream bk { server 198.18.2.2:8000; server 198.18.2.3:8000; }
	server { listen 198.18.100.5:8000 reuseport; proxy_pass bk; }
}
EOF
bg gw "$OUTDIR/e2e-logs/nginx.log" nginx -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx.conf" \
	-e "$RUN_DIR/nginx/error.log"
wait_listen gw 8000 || die "haproxy/nginx not listening"

dp config 16381 1 30000
dp service 198.18.100.1 8000 tcp 0
dp tenant 198.18.1.0/24 1
dp backend 1 198.18.2.2 8000 active
dp backend 2 198.18.2.3 8000 active
dp class 1 0 1 1 table
dp table 1 1,2

nft_rules() { # $1: numgen|jhash
	local vip expr
	case $1 in
	numgen) vip=198.18.100.2 expr="numgen inc mod 2" ;;
	jhash) vip=198.18.100.3 expr="jhash ip saddr . tcp sport mod 2" ;;
	esac
	nsx gw nft -f - <<EOF
table ip steerbench {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $vip tcp dport 8000 dnat to $expr map { 0 : 198.18.2.2, 1 : 198.18.2.3 }
	}
}
EOF
}

# set up / tear down what a contender needs for its turn; print its URL
on() {
	case $1 in
	direct) ;;
	steer)
		dp attach tc be1 >/dev/null
		dp attach xdp cli0 >/dev/null
		;;
	nft-numgen) nft_rules numgen ;;
	nft-jhash) nft_rules jhash ;;
	esac
}
off() {
	case $1 in
	steer)
		dp detach xdp cli0 >/dev/null
		dp detach tc be1 >/dev/null
		;;
	nft-*) nsx gw nft delete table ip steerbench ;;
	esac
}
url() {
	case $1 in
	direct) echo http://198.18.2.2:8000/ ;;
	steer) echo http://198.18.100.1:8000/ ;;
	nft-numgen) echo http://198.18.100.2:8000/ ;;
	nft-jhash) echo http://198.18.100.3:8000/ ;;
	haproxy) echo http://198.18.100.4:8000/ ;;
	nginx) echo http://198.18.100.5:8000/ ;;
	esac
}
read -r -a CONTENDERS <<<"${E2E_CONTENDERS:-direct steer nft-numgen nft-jhash haproxy nginx}"
read -r -a MODES <<<"${E2E_MODES:-keepalive close}"

cat >"$RUN_DIR/report.lua" <<'EOF'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH requests=%d duration_us=%d errors=%d p50=%d p99=%d\n",
		summary.requests, summary.duration,
		e.connect + e.read + e.write + e.status + e.timeout,
		latency:percentile(50), latency:percentile(99)))
	local ps = {1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.9}
	for _, p in ipairs(ps) do
		io.write(string.format("PCT %g %d\n", p, latency:percentile(p)))
	end
end
EOF

busy() { # machine-wide busy and total jiffies
	awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6 }' /proc/stat
}

# run wrk against contender $1 in mode $2 for $3 s; prints a tsv tail
measure() {
	local c=$1 mode=$2 d=$3 out b0 b1 hz
	local -a hdr=()
	[ "$mode" = close ] && hdr=(-H 'Connection: close')
	on "$c"
	nsx cli nstat -n >/dev/null 2>&1 || true
	nsx be nstat -n >/dev/null 2>&1 || true
	nsx gw nstat -n >/dev/null 2>&1 || true
	read -r b0 _ < <(busy)
	out=$(nsx cli wrk -t2 -c"$CONNS" -d"${d}s" "${hdr[@]}" -s "$RUN_DIR/report.lua" \
		"$(url "$c")" 2>&1) || true
	read -r b1 _ < <(busy)
	off "$c"
	echo "$out" >"$OUTDIR/e2e-logs/$mode-$c.txt"
	for n in cli gw be; do
		nsx $n nstat 2>/dev/null | grep -E 'SynRetrans|Drop|Overflow|PAWS|TW|Reset|Abort' |
			sed "s/^/nstat $n: /" >>"$OUTDIR/e2e-logs/$mode-$c.txt" || true
	done
	echo "$out" | awk '/^PCT/ { print $2, $3 }' >"$OUTDIR/e2e-lat-$mode-$c.dat"
	hz=$(getconf CLK_TCK)
	echo "$out" | awk -v db=$((b1 - b0)) -v hz="$hz" '
		/^BENCH/ {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			rps = v["requests"] / (v["duration_us"] / 1e6)
			cpu = v["requests"] ? db / hz * 1e6 / v["requests"] : 0
			printf "%.0f\t%d\t%d\t%.2f\t%d\n", rps, v["p50"], v["p99"], cpu, v["errors"]
			found = 1
		}
		END { if (!found) print "0\t0\t0\t0\t-1" }'
}

WARM=${E2E_WARM:-1}
if [ "$WARM" -gt 0 ]; then
	log "warm-up (neighbours, caches): $WARM s per contender and mode"
	for mode in "${MODES[@]}"; do
		for c in "${CONTENDERS[@]}"; do
			measure "$c" "$mode" "$WARM" >/dev/null
		done
	done
fi

TSV=$OUTDIR/e2e.tsv
printf 'round\tmode\tcontender\trps\tp50_us\tp99_us\tcpu_us_per_req\terrors\n' >"$TSV"
n=${#CONTENDERS[@]}
for ((r = 0; r < ROUNDS; r++)); do
	for mode in "${MODES[@]}"; do
		for ((k = 0; k < n; k++)); do
			c=${CONTENDERS[$(((k + r) % n))]}
			line=$(measure "$c" "$mode" "$DUR")
			printf '%d\t%s\t%s\t%s\n' "$r" "$mode" "$c" "$line" >>"$TSV"
			log "round $((r + 1))/$ROUNDS $mode $c: $(echo "$line" | awk '{ printf "%s req/s p50 %s us p99 %s us cpu %s us/req err %s", $1, $2, $3, $4, $5 }')"
		done
	done
done
# sanity: steer really steered (new flows counted on both backends)
for id in 1 2; do
	dp stats backend $id | awk -v id=$id '$1 == "new_flows" { print "steer backend " id " new_flows " $2 }'
done >"$OUTDIR/e2e-steer-stats.txt"
log "done"
