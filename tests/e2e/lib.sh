#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Shared helpers for steer's namespace tests; source it, don't run it.
#
#   steer_init NAME         root/tool checks (exit 77 to skip), run id, run dir
#                           /tmp/steer-NAME-XXXX, private bpffs at $PIN, cleanup
#                           trap on EXIT/INT/TERM
#   ns_add SUFFIX...        make namespaces steer-$RUNID-SUFFIX (DAD off, lo up)
#   ns SUFFIX               print the full namespace name
#   nsx SUFFIX CMD...       run CMD inside the namespace
#   veth NS1 IF1 NS2 IF2    veth pair IF1 (in NS1) <-> IF2 (in NS2), both up
#   addr NS IF CIDR...      add addresses (IPv6 ones with nodad)
#   bg NS LOG CMD...        start CMD in the background in NS, remembered for cleanup
#   dp ARGS...              dpctl --pin-root $PIN ARGS, run in the gw namespace
#   check DESC CMD...       run CMD, count pass/fail
#   expect DESC GOT WANT    compare strings, count pass/fail
#   summary                 print "NAME: N passed, N failed"; returns non-zero on failure
#
# Everything made here is named steer-$RUNID-* or lives under $RUN_DIR and is
# removed on exit, even on failure. The host's interfaces, routes and pins are
# never touched.

STEER_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STEER_OUT=$STEER_TOP/.output
DPCTL=${STEER_DPCTL:-$STEER_OUT/tests/e2e/dpctl}
HTTPD=${STEER_HTTPD:-$STEER_OUT/tests/e2e/tiny_httpd}

STEER_TEST=""
RUNID=""
RUN_DIR=""
PIN=""
GW_SUFFIX=gw
STEER_NS=()
STEER_PIDS=()
STEER_MOUNTED=0
N_PASS=0
N_FAIL=0

log() { echo "[$STEER_TEST $(date +%T.%3N)] $*"; }

# Print to stderr and exit with the skip code.
skip() {
	echo "$STEER_TEST: SKIP: $*" >&2
	exit 77
}

die() {
	echo "$STEER_TEST: FATAL: $*" >&2
	N_FAIL=$((N_FAIL + 1))
	exit 1
}

# ERR trap: say what failed and where it was called from.
steer_on_err() {
	local i
	echo "$STEER_TEST: FATAL: \"$2\" failed (exit $1) at line $3" >&2
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		echo "  in ${FUNCNAME[$i]} at ${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]}" >&2
	done
}

steer_init() {
	STEER_TEST=$1
	local t
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	for t in ip ethtool bpftool curl mount umount sysctl timeout ss; do
		command -v "$t" >/dev/null 2>&1 || skip "missing tool: $t"
	done
	for t in "$DPCTL" "$HTTPD"; do
		[ -x "$t" ] || die "missing $t (run make first)"
	done
	RUNID=$(printf '%x%04x' "$$" "$RANDOM")
	set -E
	trap 'steer_on_err $? "$BASH_COMMAND" "$LINENO"' ERR
	trap steer_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	RUN_DIR=$(mktemp -d "/tmp/steer-$STEER_TEST-XXXX")
	PIN=$RUN_DIR/bpffs
	mkdir "$PIN"
	mount -t bpf bpffs "$PIN"
	STEER_MOUNTED=1
	log "run id $RUNID, pin root $PIN"
}

ns() { echo "steer-$RUNID-$1"; }

nsx() {
	local n
	n=$(ns "$1")
	shift
	ip netns exec "$n" "$@"
}

ns_add() {
	local s n
	for s in "$@"; do
		n=$(ns "$s")
		ip netns add "$n"
		STEER_NS+=("$n")
		# DAD off before any link exists, so fresh IPv6 addresses work at once.
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
		ip -n "$n" link set lo up
	done
}

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

# Gateway sysctls: forwarding on, reverse-path filtering off everywhere.
gw_sysctls() {
	local n=$1 dev
	nsx "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	for dev in $(nsx "$n" ls /proc/sys/net/ipv4/conf); do
		case $dev in all | default) continue ;; esac
		nsx "$n" sysctl -qw "net.ipv4.conf.$dev.rp_filter=0"
	done
}

bg() {
	local n=$1 logf=$2
	shift 2
	ip netns exec "$(ns "$n")" "$@" >"$logf" 2>&1 &
	STEER_PIDS+=($!)
}

# Wait until a TCP port listens in a namespace (up to ~5 s).
wait_listen() {
	local n=$1 port=$2
	for _ in $(seq 50); do
		nsx "$n" ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

dp() {
	timeout 30 ip netns exec "$(ns "$GW_SUFFIX")" "$DPCTL" --pin-root "$PIN" "$@"
}

check() {
	local desc=$1
	shift
	if "$@"; then
		N_PASS=$((N_PASS + 1))
		echo "ok   - $desc"
	else
		N_FAIL=$((N_FAIL + 1))
		echo "FAIL - $desc"
	fi
}

expect() {
	if [ "$2" == "$3" ]; then
		N_PASS=$((N_PASS + 1))
		echo "ok   - $1"
	else
		N_FAIL=$((N_FAIL + 1))
		echo "FAIL - $1: got '$2', want '$3'"
	fi
}

summary() {
	echo "$STEER_TEST: $N_PASS passed, $N_FAIL failed"
	[ "$N_FAIL" -eq 0 ] && [ "$N_PASS" -gt 0 ]
}

# Remove everything this run made; safe to call more than once.
steer_cleanup() {
	local rc=$? p n
	local -a pids
	set +e
	trap - EXIT INT TERM ERR
	for p in "${STEER_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	# anything else still running in our namespaces was started by this run
	for n in "${STEER_NS[@]}"; do
		mapfile -t pids < <(ip netns pids "$n" 2>/dev/null)
		[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	done
	for p in "${STEER_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for n in "${STEER_NS[@]}"; do
		mapfile -t pids < <(ip netns pids "$n" 2>/dev/null)
		[ ${#pids[@]} -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
	done
	# links first (detaches the programs), then the namespaces and their veths
	[ -n "$PIN" ] && [ "$STEER_MOUNTED" -eq 1 ] && rm -rf "$PIN/links" 2>/dev/null
	for n in "${STEER_NS[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	if [ "$STEER_MOUNTED" -eq 1 ]; then
		umount "$PIN" 2>/dev/null || umount -l "$PIN"
		STEER_MOUNTED=0
	fi
	[ -n "$RUN_DIR" ] && [ -d "$RUN_DIR" ] && rm -rf "$RUN_DIR"
	STEER_NS=()
	STEER_PIDS=()
	exit "$rc"
}
