#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steer's XDP SYN and established paths beside Katran's balancer, timed the
# same way in one run (per-call BPF_PROG_TEST_RUN, kernel duration, ratio to
# a no-op of the same process), alternated ROUNDS times, both pinned to one
# CPU. Regimes compared like for like:
#   room    new SYNs find room, nothing else held: steer syn (ct_syn never
#           above half its share) / Katran -c 30000 (65,536-entry LRU)
#   busy    262,144 established flows held, new SYNs find room: steer
#           synbusy / Katran with an LRU of 327,680 (steer's ct + ct_syn)
#           holding 262,144 other flows, -c 30000 -P 262144
#   flood   every insert evicts: steer synfull (ct, rct and ct_syn full) /
#           Katran -f with 262,144 entries (the flows steer's ct holds)
#           and with 65,536
#   guard   a flood kept out of the table: steer synrate (the tenant over
#           its rate, refused) / Katran kb_guard.o (its default
#           MAX_CONN_RATE: above it, a SYN forwarded without an insert)
#   est, nonsvc: one established flow's ACK; TCP to a port with no service
#
#   tests/bench/katran/compare.sh KATBENCH_DIR [ROUNDS] [PACKETS] [CPU]
#
# KATBENCH_DIR: build.sh's OUT_DIR. Run as root from the top of the tree
# after make bench-build. Prints a markdown table of ratios, each cell the
# medians over 3 rounds of every alternation.
set -euo pipefail

die() { echo "katran/compare.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 KATBENCH_DIR [ROUNDS] [PACKETS] [CPU]"
KB=$1 ROUNDS=${2:-3} N=${3:-100000} CPU=${4:-0}
PB=.output/bench/pktbench
[ -x "$PB" ] || die "$PB: not built (make bench-build)"
[ -x "$KB/katbench" ] || die "$KB/katbench: not built (tests/bench/katran/build.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# steer: "pktbench: CASE.prog ns=X ratio=Y" -> CASE ratio
steer() {
	taskset -c "$CPU" "$PB" -n "$N" -r 3 -c nonsvc,syn,synbusy,est1,synfull,synrate 2>&1 |
		sed -n 's/^pktbench: \([a-z0-9]*\)\.prog ns=[0-9.]* ratio=\([0-9.]*\)$/\1 \2/p'
}
# katran NAME OBJ ARGS...: "| CASE | median | min..max | ratio |" -> NAME.CASE ratio
katran() {
	local name=$1 obj=$2
	shift 2
	taskset -c "$CPU" "$KB/katbench" -p "$CPU" -n "$N" -r 3 -o "$KB/$obj" "$@" 2>&1 |
		awk -F'|' -v n="$name" '$2 ~ /^ (syn|est|nonsvc) $/ {
			gsub(/ /, "", $2); gsub(/ /, "", $5); print n "." $2, $5 }'
}

for r in $(seq "$ROUNDS"); do
	echo "compare: alternation $r/$ROUNDS" >&2
	steer >>"$tmp/steer"
	{
		katran room kb.o -c 30000
		katran busy kb.o -L 327680 -c 30000 -P 262144
		katran flood262k kb.o -L 262144 -f
		katran flood65k kb.o -f
		katran guard kb_guard.o
	} >>"$tmp/katran"
done

cells() { awk -v k="$1" '$1 == k { printf "%s%s×", n++ ? ", " : "", $2 }' "$2"; }
echo "| regime | steer | Katran |"
echo "|---|---|---|"
echo "| room: new SYN, tables empty | syn $(cells syn "$tmp/steer") | 65,536-entry LRU $(cells room.syn "$tmp/katran") |"
echo "| busy: new SYN, 262,144 established flows held | synbusy $(cells synbusy "$tmp/steer") | 327,680-entry LRU $(cells busy.syn "$tmp/katran") |"
echo "| flood: every insert evicts | synfull $(cells synfull "$tmp/steer") | 262,144 $(cells flood262k.syn "$tmp/katran"); 65,536 $(cells flood65k.syn "$tmp/katran") |"
echo "| guard: a flood kept out of the table | synrate (refused) $(cells synrate "$tmp/steer") | MAX_CONN_RATE as shipped $(cells guard.syn "$tmp/katran") |"
echo "| established flow (1 flow) | est1 $(cells est1 "$tmp/steer") | $(cells room.est "$tmp/katran") |"
echo "| non-service TCP | nonsvc $(cells nonsvc "$tmp/steer") | $(cells room.nonsvc "$tmp/katran") |"
