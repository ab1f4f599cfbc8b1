#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steer's namespace testbed: two tenants' clients, a gateway, N mock
# inference backends.
#
#   scripts/testbed.sh up     [--id ID] [--backends N]
#   scripts/testbed.sh status [--id ID]
#   scripts/testbed.sh down   [--id ID]
#   scripts/testbed.sh env    [--id ID]     print the state file (shell vars)
#
#   steer-ID-cli-acme  eth0 198.18.1.2/24 fd00:1::2/64 ── c-acme ┐
#   steer-ID-cli-beta  eth0 198.18.5.2/24 fd00:5::2/64 ── c-beta ┤ steer-ID-gw
#   steer-ID-be1       eth0 198.18.11.2/24 fd00:11::2/64 ── be1 ─┤ (.1 / ::1 on
#   ...                                                           │  its side)
#   steer-ID-beN       eth0 198.18.(10+N).2 fd00:(10+N)::2 ── beN ┘
#
# The gateway forwards (IPv4 and IPv6), rp_filter is 0 everywhere in it, and
# nothing steers until a loader (steerd) attaches steer_xdp to c-acme/c-beta
# and steer_tc to be1..beN with the testbed's pin root. Clients and backends
# route everything via the gateway, so any VIP (use 198.18.100.0/24 and
# fd00:100::/64) reaches it. The client ends that send into the gateway's
# (native-XDP) veths have TX checksum offload off; the ends that receive XDP
# or TC redirects have GRO on (see docs/design.md, "Kernel facts the code relies on").
#
# Backends alternate between two providers: odd ones "northwind-K" (model
# llama-3.1-70b, vLLM metrics, slower), even ones "fastcloud-K" (model
# qwen2.5-7b, SGLang metrics, faster); each runs mockllm on [::]:8000
# (IPv4 and IPv6) with a request log.
#
# Everything lives in namespaces steer-ID-*, and in the run directory
# /run/steer-testbed-ID (state file testbed.env, logs, pids, and the bpffs
# mounted at bpffs/, outside /sys so it stays visible inside
# `ip netns exec`). The host's interfaces, routes and pins are never
# touched. `down` is idempotent: it kills every process in the namespaces,
# removes the link pins, the namespaces, the mount and the directory.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
MOCKLLM=${STEER_MOCKLLM:-$TOP/.output/mockllm}
RUN_BASE=${STEER_TESTBED_RUN_BASE:-/run}
PORT=8000

usage() {
	sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

die() {
	echo "testbed: $*" >&2
	exit 1
}

say() { echo "testbed: $*" >&2; }

# ---- arguments ----
CMD=${1:-}
[ -n "$CMD" ] || usage
shift
ID=""
NBE=4
while [ $# -gt 0 ]; do
	case $1 in
	--id)
		[ $# -ge 2 ] || usage
		ID=$2
		shift 2
		;;
	--id=*)
		ID=${1#--id=}
		shift
		;;
	--backends)
		[ $# -ge 2 ] || usage
		NBE=$2
		shift 2
		;;
	--backends=*)
		NBE=${1#--backends=}
		shift
		;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
if [ -n "$ID" ] && ! [[ $ID =~ ^[a-zA-Z0-9]{1,12}$ ]]; then
	die "--id: 1..12 letters or digits"
fi
if ! [[ $NBE =~ ^[0-9]+$ ]] || [ "$NBE" -lt 1 ] || [ "$NBE" -gt 16 ]; then
	die "--backends: 1..16"
fi

dir_of() { echo "$RUN_BASE/steer-testbed-$1"; }

# Without --id, status/down/env pick the only testbed there is.
pick_id() {
	local -a dirs
	[ -n "$ID" ] && return 0
	mapfile -t dirs < <(compgen -G "$RUN_BASE/steer-testbed-*" || true)
	if [ ${#dirs[@]} -eq 1 ]; then
		ID=${dirs[0]##*/steer-testbed-}
	elif [ ${#dirs[@]} -gt 1 ]; then
		die "several testbeds (${dirs[*]##*/steer-testbed-}): say which with --id"
	fi
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, bpffs)"
}

# ---- up ----
ns() { echo "steer-$ID-$1"; }
nsx() {
	local n
	n=$(ns "$1")
	shift
	ip netns exec "$n" "$@"
}

NS_MADE=()
ns_add() {
	local n
	n=$(ns "$1")
	ip netns add "$n"
	NS_MADE+=("$n")
	echo "$n" >>"$DIR/namespaces"
	# DAD off before any link exists: fresh IPv6 addresses work at once.
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	ip -n "$n" link set lo up
}

# veth NS1 IF1 NS2 IF2: a pair made directly inside the namespaces.
veth() {
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

addr() {
	local n=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$(ns "$n")" addr add "$a" dev "$dev" nodad ;;
		*) ip -n "$(ns "$n")" addr add "$a" dev "$dev" ;;
		esac
	done
}

# Backend profile K (1-based): provider, model, engine, timing.
be_profile() {
	local k=$1 j
	j=$(((k + 1) / 2))
	if [ $((k % 2)) -eq 1 ]; then
		# self-hosted large model: safer, dearer, slower
		echo "northwind-$j northwind llama-3.1-70b vllm 4 120 60"
	elif [ $((k % 4)) -eq 0 ]; then
		# cloud small model on Chitu (POST /load_status, refuses past 8)
		echo "fastcloud-$j fastcloud qwen2.5-7b chitu 8 30 200"
	else
		# cloud small model: cheaper, faster
		echo "fastcloud-$j fastcloud qwen2.5-7b sglang 8 30 200"
	fi
}

cmd_up() {
	need_root
	local t
	for t in ip ethtool sysctl mount umount ss curl setsid; do
		command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
	done
	[ -x "$MOCKLLM" ] || die "missing $MOCKLLM (run make first)"
	[ -n "$ID" ] || ID=$(printf '%x%03x' "$$" "$((RANDOM % 4096))")
	DIR=$(dir_of "$ID")
	[ -e "$DIR" ] && die "testbed $ID exists ($DIR): down it first"
	if ip netns list | grep -q "^steer-$ID-"; then
		die "namespaces steer-$ID-* exist: run 'down --id $ID' first"
	fi
	mkdir -p "$DIR"
	# From here on, a failure takes down whatever was made.
	trap 'say "up failed at line $LINENO; removing testbed $ID"; cmd_down_quiet; exit 1' ERR
	trap 'cmd_down_quiet; exit 130' INT
	trap 'cmd_down_quiet; exit 143' TERM
	set -E
	local PIN=$DIR/bpffs
	mkdir "$PIN"
	mount -t bpf bpffs "$PIN"
	echo "$PIN" >"$DIR/mounted"

	# ---- namespaces and links ----
	ns_add gw
	local -a tenants=(acme beta) nets=(1 5)
	local i tn net
	for i in 0 1; do
		tn=${tenants[$i]}
		net=${nets[$i]}
		ns_add "cli-$tn"
		veth "cli-$tn" eth0 gw "c-$tn"
		addr "cli-$tn" eth0 "198.18.$net.2/24" "fd00:$net::2/64"
		addr gw "c-$tn" "198.18.$net.1/24" "fd00:$net::1/64"
		nsx "cli-$tn" ip route add default via "198.18.$net.1"
		nsx "cli-$tn" ip -6 route add default via "fd00:$net::1"
		# sends into the gateway's native-XDP veth: no partial checksums
		nsx "cli-$tn" ethtool -K eth0 tx off >/dev/null
		# receives TC-redirected replies
		nsx "cli-$tn" ethtool -K eth0 gro on >/dev/null
	done
	local s
	for i in $(seq "$NBE"); do
		s=$((10 + i))
		ns_add "be$i"
		veth gw "be$i" "be$i" eth0
		addr gw "be$i" "198.18.$s.1/24" "fd00:$s::1/64"
		addr "be$i" eth0 "198.18.$s.2/24" "fd00:$s::2/64"
		nsx "be$i" ip route add default via "198.18.$s.1"
		nsx "be$i" ip -6 route add default via "fd00:$s::1"
		# receives XDP-redirected requests
		nsx "be$i" ethtool -K eth0 gro on >/dev/null
	done
	# gateway: forwarding on, reverse-path filter off everywhere
	nsx gw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	local dev
	for dev in $(nsx gw ls /proc/sys/net/ipv4/conf); do
		case $dev in all | default) continue ;; esac
		nsx gw sysctl -qw "net.ipv4.conf.$dev.rp_filter=0"
	done

	# ---- backends ----
	local name prov model eng slots ttft tps pid
	local -a envl=()
	envl+=("TB_ID=$ID" "TB_DIR=$DIR" "TB_PIN=$PIN" "TB_NS_GW=$(ns gw)")
	envl+=("TB_TENANTS=\"acme beta\"")
	envl+=("TB_NS_CLI_ACME=$(ns cli-acme)" "TB_CLI_ACME_V4=198.18.1.2" "TB_CLI_ACME_V6=fd00:1::2")
	envl+=("TB_NS_CLI_BETA=$(ns cli-beta)" "TB_CLI_BETA_V4=198.18.5.2" "TB_CLI_BETA_V6=fd00:5::2")
	envl+=("TB_XDP_IFS=\"c-acme c-beta\"")
	envl+=("TB_TC_IFS=\"$(for i in $(seq "$NBE"); do printf 'be%s ' "$i"; done | sed 's/ $//')\"")
	envl+=("TB_VIP4_NET=198.18.100.0/24" "TB_VIP6_NET=fd00:100::/64")
	envl+=("TB_BACKENDS=$NBE")
	for i in $(seq "$NBE"); do
		read -r name prov model eng slots ttft tps < <(be_profile "$i")
		s=$((10 + i))
		extra=()
		[ "$eng" = chitu ] && extra=(--max-concurrent "$slots")
		setsid ip netns exec "$(ns "be$i")" "$MOCKLLM" --listen "[::]:$PORT" \
			--name "$name" --model "$model" --engine "$eng" --slots "$slots" "${extra[@]}" \
			--ttft-ms "$ttft" --tps "$tps" --max-tokens 8 \
			--log "$DIR/be$i.req.log" >"$DIR/be$i.out" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$DIR/be$i.pid"
		envl+=("TB_BE${i}_NAME=$name" "TB_BE${i}_PROVIDER=$prov" "TB_BE${i}_MODEL=$model"
			"TB_BE${i}_ENGINE=$eng" "TB_BE${i}_SLOTS=$slots" "TB_BE${i}_TTFT_MS=$ttft"
			"TB_BE${i}_TPS=$tps" "TB_BE${i}_NS=$(ns "be$i")" "TB_BE${i}_V4=198.18.$s.2"
			"TB_BE${i}_V6=fd00:$s::2" "TB_BE${i}_PORT=$PORT" "TB_BE${i}_PID=$pid"
			"TB_BE${i}_LOG=$DIR/be$i.req.log")
	done
	printf '%s\n' "${envl[@]}" >"$DIR/testbed.env"

	# Wait for every backend, and reach it from the gateway over IPv4 and
	# IPv6 (also resolves the gateway's neighbours).
	local ok
	for i in $(seq "$NBE"); do
		s=$((10 + i))
		ok=0
		for _ in $(seq 50); do
			if nsx gw curl -fs -m 1 -o /dev/null "http://198.18.$s.2:$PORT/v1/models" &&
				nsx gw curl -fs -m 1 -o /dev/null "http://[fd00:$s::2]:$PORT/v1/models"; then
				ok=1
				break
			fi
			kill -0 "$(cat "$DIR/be$i.pid")" 2>/dev/null || break
			sleep 0.1
		done
		[ "$ok" -eq 1 ] || {
			cat "$DIR/be$i.out" >&2
			die "backend be$i not answering"
		}
	done
	trap - ERR INT TERM
	say "up: id $ID, $NBE backends, pin root $PIN, state $DIR/testbed.env"
}

# ---- down ----
cmd_down_quiet() {
	set +e
	trap - ERR INT TERM
	local d n p
	local -a nss pids
	d=$(dir_of "$ID")
	# namespaces: recorded ones and any steer-ID-* left over
	mapfile -t nss < <({
		[ -f "$d/namespaces" ] && cat "$d/namespaces"
		ip netns list 2>/dev/null | awk '{print $1}' | grep "^steer-$ID-"
	} | sort -u)
	# processes: recorded pids, then everything running in our namespaces
	for p in "$d"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	for n in "${nss[@]}"; do
		mapfile -t pids < <(ip netns pids "$n" 2>/dev/null)
		[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	done
	for _ in $(seq 30); do
		local left=0
		for n in "${nss[@]}"; do
			[ -n "$(ip netns pids "$n" 2>/dev/null)" ] && left=1
		done
		[ "$left" -eq 0 ] && break
		sleep 0.1
	done
	for n in "${nss[@]}"; do
		mapfile -t pids < <(ip netns pids "$n" 2>/dev/null)
		[ ${#pids[@]} -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
	done
	# link pins first (detaches the programs), then namespaces and veths
	if mountpoint -q "$d/bpffs" 2>/dev/null; then
		rm -rf "$d/bpffs/links" 2>/dev/null
	fi
	for n in "${nss[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	if mountpoint -q "$d/bpffs" 2>/dev/null; then
		umount "$d/bpffs" 2>/dev/null || umount -l "$d/bpffs"
	fi
	[ -d "$d" ] && rm -rf "$d"
	return 0
}

cmd_down() {
	need_root
	pick_id
	if [ -z "$ID" ]; then
		say "down: no testbed"
		return 0
	fi
	if [ ! -d "$(dir_of "$ID")" ] && ! ip netns list | grep -q "^steer-$ID-"; then
		say "down: testbed $ID: nothing to remove"
		return 0
	fi
	cmd_down_quiet
	say "down: testbed $ID removed"
}

# ---- status ----
cmd_status() {
	pick_id
	if [ -z "$ID" ]; then
		echo "no testbed"
		return 1
	fi
	local d n i pid st
	d=$(dir_of "$ID")
	if [ ! -f "$d/testbed.env" ]; then
		echo "testbed $ID: not up"
		return 1
	fi
	# shellcheck disable=SC1091
	. "$d/testbed.env"
	echo "testbed $ID: run dir $d"
	if mountpoint -q "$TB_PIN"; then
		echo "  pin root   $TB_PIN (bpffs mounted; $(find "$TB_PIN" -mindepth 1 -maxdepth 1 ! -name '*.debug' | wc -l) pins)"
	else
		echo "  pin root   $TB_PIN (NOT mounted)"
	fi
	echo "  namespaces:"
	while read -r n; do
		if ip netns list | grep -q "^$n\b"; then st=up; else st=MISSING; fi
		printf '    %-28s %-7s %s\n' "$n" "$st" "$(ip -n "$n" -br addr 2>/dev/null |
			awk '$1 != "lo" {sub(/@.*/, "", $1); printf "%s: %s %s  ", $1, $3, $4}')"
	done <"$d/namespaces"
	echo "  backends:"
	for i in $(seq "$TB_BACKENDS"); do
		local -n nm="TB_BE${i}_NAME" md="TB_BE${i}_MODEL" v4="TB_BE${i}_V4" v6="TB_BE${i}_V6"
		local -n en="TB_BE${i}_ENGINE"
		pid=$(cat "$d/be$i.pid" 2>/dev/null || echo -)
		if kill -0 "$pid" 2>/dev/null; then st="running pid $pid"; else st="DEAD"; fi
		printf '    be%-2s %-12s %-14s %-6s %s:%s [%s]:%s  %s\n' "$i" "$nm" "$md" "$en" \
			"$v4" "$TB_BE1_PORT" "$v6" "$TB_BE1_PORT" "$st"
		unset -n nm md v4 v6 en
	done
	local extra
	for pid in "$d"/*.pid; do
		case ${pid##*/} in be[0-9]*.pid) continue ;; esac
		[ -f "$pid" ] || continue
		extra=$(cat "$pid")
		if kill -0 "$extra" 2>/dev/null; then st="running pid $extra"; else st="exited"; fi
		echo "  ${pid##*/}: $st"
	done
	echo "  xdp on $TB_XDP_IFS, tc on $TB_TC_IFS (in $TB_NS_GW); VIPs from $TB_VIP4_NET, $TB_VIP6_NET"
}

case $CMD in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env)
	pick_id
	if [ -z "$ID" ] || [ ! -f "$(dir_of "$ID")/testbed.env" ]; then
		die "no testbed"
	fi
	cat "$(dir_of "$ID")/testbed.env"
	;;
*) usage ;;
esac
