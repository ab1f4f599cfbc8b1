#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Routing quality: open-loop streaming chat completions (tests/bench/loadgen,
# fixed arrival rate) through the gateway to mockllm backends.
#
#   cli eth0 ── cli0 [gw] be1 ── be1: fast  (4 slots, TTFT 50 ms, 100 tok/s)
#                         be2 ── be2: equal to be1, or slow (TTFT 200 ms,
#                                     25 tok/s: 4x) in the "slow" scenario
#                         be3 ── be3: cheap (fast, cheaper model, safety tier 1)
#
# A. latency, be1 + be2 (same model, same declared capacity), two scenarios:
#    equal (be2 = be1, at RATE_EQ requests/s) and slow (be2 4x slower, at
#    RATE requests/s); each with a connection per request (close) and with a
#    keep-alive pool of POOL connections (keepalive, loadgen -k: HTTP/1.1,
#    as an HTTP client agent's pool). Contenders:
#    steer         steerd, load-aware weights from the backends' vLLM metrics,
#                  bounded load on (balance_factor 1.25, the default), a
#                  backend whose own TTFT (queue wait out) is 3x its model's
#                  best set aside (slow_ttft_factor 3, the default)
#    steer-nobound the same with balance_factor 0 (Maglev on steerd's weights;
#                  the slow backend still set aside)
#    steer-plain   balance_factor 0 and slow_ttft_factor 0: Maglev on the
#                  load-aware weights alone (steer before either)
#    nft-random    nftables DNAT, numgen random mod 2 (VIP 198.18.100.5)
#    haproxy-leastconn  HAProxy mode tcp, balance leastconn (198.18.100.4)
#    steer-bfN     (only when named in ROUTE_CONTENDERS, which replaces the
#                  list above) steerd with balance_factor N
#    A third scenario, burst (be2 = be1): BURSTS bursts of BURST streams
#    each (default 8 x 16: twice the two backends' 8 slots, so half of
#    every burst queues), all due within a millisecond, BURST_GAP s apart
#    (every stream of a burst has ended before the next); the warm-up is
#    none. A burst arrives faster than any probe: only the kernel's own
#    count of open flows can spread it.
#    ROUNDS rounds per scenario, contender order reversed every other round
#    (A B C D, D C B A, ...) and the two modes swapped with it, so machine
#    noise spreads evenly. p50/p99 time to first token and completion time
#    over the requests of all rounds (warm-up of each run excluded).
# B. cost, be1 + be2 (slow) + be3, two tenants (198.18.1.2: min_safety_tier
#    2, so never be3; 198.18.1.3: unconstrained): steerd with the cost-aware
#    objective vs a cost-blind one (objective.cost 0); cost per million
#    tokens and constraint violations counted from the backends' own logs.
#
#   route.sh OUTDIR [SECONDS RATE ROUNDS RATE_EQ POOL]
#            (default 10 s, 12 requests/s, 2 rounds, 28 requests/s, 8)
# Writes OUTDIR/route.tsv (one line per scenario/mode/contender),
# OUTDIR/route-runs.tsv (one line per run), OUTDIR/route-runs/*.req
# (loadgen's per-request lines) and OUTDIR/route-cost.tsv.
set -euo pipefail
OUTDIR=$(realpath "${1:?outdir}")
DUR=${2:-10}
RATE=${3:-12}
ROUNDS=${4:-2}
RATE_EQ=${5:-28}
POOL=${6:-8}
WARM=$(awk -v d="$DUR" 'BEGIN { w = d / 5; if (w > 3) w = 3; print w }')
BURST=${BURST:-16}
BURSTS=${BURSTS:-8}
BURST_GAP=${BURST_GAP:-1.2}
SCENARIOS=${ROUTE_SCENARIOS:-equal slow burst}
# shellcheck source-path=SCRIPTDIR source=../../tests/e2e/lib.sh
. "$(dirname "$0")/../../tests/e2e/lib.sh"
STEERD=$STEER_OUT/steerd
MOCKLLM=$STEER_OUT/mockllm
LOADGEN=$STEER_OUT/bench/loadgen
VIP=198.18.100.1

steer_init bench-route
for t in "$STEERD" "$MOCKLLM" "$LOADGEN"; do
	[ -x "$t" ] || die "missing $t (run make bench-build)"
done
command -v haproxy >/dev/null || skip "missing haproxy"
command -v nft >/dev/null || skip "missing nft"
rm -rf "$OUTDIR/route-runs"
mkdir -p "$OUTDIR/route-logs" "$OUTDIR/route-runs"

# ---- topology ----
star_topo 3 198.18.1.3/24
nsx gw ip addr add 198.18.100.4/32 dev lo
NFT_VIP=198.18.100.5
nsx cli sysctl -qw net.ipv4.ip_local_port_range="1024 65535"

mock() { # NAME TTFT TPS MODEL
	bg "$1" "$OUTDIR/route-logs/$1.out" "$MOCKLLM" --listen 0.0.0.0:8000 --name "$1" \
		--model "$4" --slots 4 --ttft-ms "$2" --tps "$3" --max-tokens 16 \
		--log "$OUTDIR/route-logs/$1.req"
}
: >"$OUTDIR/route-logs/be1.req"
: >"$OUTDIR/route-logs/be2.req"
: >"$OUTDIR/route-logs/be3.req"
BE2_PID=
be2_as() { # equal|slow: (re)start be2's mockllm
	if [ -n "$BE2_PID" ]; then
		kill "$BE2_PID" 2>/dev/null || true
		wait "$BE2_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			nsx be2 ss -Hltn "sport = :8000" | grep -q . || break
			sleep 0.1
		done
	fi
	case $1 in
	equal | burst) mock be2 50 100 large ;;
	slow) mock be2 200 25 large ;;
	esac
	BE2_PID=${STEER_PIDS[-1]}
	wait_listen be2 8000 || die "mockllm be2: $(cat "$OUTDIR/route-logs/be2.out")"
}
mock be1 50 100 large
mock be3 50 100 small
for i in 1 3; do
	wait_listen be$i 8000 || die "mockllm be$i: $(cat "$OUTDIR/route-logs/be$i.out")"
done

cat >"$RUN_DIR/haproxy.cfg" <<EOF
global
	maxconn 4000
defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
frontend fe
	bind 198.18.100.4:80
	default_backend bk
backend bk
	balance leastconn
	server be1 198.18.2.2:8000
	server be2 198.18.3.2:8000
EOF
bg gw "$OUTDIR/route-logs/haproxy.log" haproxy -db -f "$RUN_DIR/haproxy.cfg"

POLICY=$RUN_DIR/policy.yaml
write_policy() { # $1: latency|cost|blind, $2: balance_factor, $3: slow_ttft_factor
	local cw=2 be3=0 bf="" sf=""
	[ -n "${2:-}" ] && bf="  balance_factor: $2"
	[ -n "${3:-}" ] && sf="  slow_ttft_factor: $3"
	[ "$1" = blind ] && cw=0
	[ "$1" != latency ] && be3=1
	cat >"$POLICY" <<EOF
settings:
  probe_interval_ms: 200
  probe_timeout_ms: 150
  staleness_ms: 1000
  health_rise: 1
  health_fall: 2
  maglev_size: 16381
$bf
$sf
objective: {quality: 1.0, cost: $cw, load: 0.5, margin: 0.1}
tasks: [chat]
models:
  - name: large
    cost: 1.0
    quality: {chat: 0.9}
  - name: small
    cost: 0.2
    quality: {chat: 0.7}
services:
  - {name: chat, vip: $VIP, port: 80, task: chat}
backends:
EOF
	local i
	for i in 1 2 3; do
		[ $i -eq 3 ] && [ $be3 -eq 0 ] && continue
		cat >>"$POLICY" <<EOF
  - name: be$i
    id: $i
    address: 198.18.$((i + 1)).2
    port: 8000
    model: $([ $i -eq 3 ] && echo small || echo large)
    provider: lab
    region: r1
    safety_tier: $([ $i -eq 3 ] && echo 1 || echo 3)
    capacity: 4
    health_url: http://198.18.$((i + 1)).2:8000/health
    metrics_url: http://198.18.$((i + 1)).2:8000/metrics
EOF
	done
	cat >>"$POLICY" <<EOF
tenants:
  - {name: default, action: reject}
  - name: strict
    id: 1
    prefixes: [198.18.1.2/32]
    min_safety_tier: 2
  - name: open
    id: 2
    prefixes: [198.18.1.0/24]
EOF
}

STEERD_PID=
start_steerd() {
	bg gw "$OUTDIR/route-logs/steerd-$1.log" "$STEERD" --foreground --log-level debug \
		--pin-root "$PIN" --config "$POLICY" --xdp cli0 --tc be1 --tc be2 --tc be3 \
		--socket "$RUN_DIR/steerd.sock" --state "$RUN_DIR/state.json" --metrics off
	STEERD_PID=${STEER_PIDS[-1]}
	for _ in $(seq 50); do
		grep -q "published" "$OUTDIR/route-logs/steerd-$1.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1 # a few probe rounds
}
stop_steerd() {
	kill "$STEERD_PID" 2>/dev/null || true
	wait "$STEERD_PID" 2>/dev/null || true
}

# loadgen run: NAME MODE ADDR PORT SRC... (MODE close|keepalive); prints
# loadgen's summary; per-request lines in route-runs/NAME.req
run_load() {
	local name=$1 mode=$2 a=$3 p=$4 out
	shift 4
	local -a b=()
	for s in "$@"; do b+=(-b "$s"); done
	[ "$mode" = keepalive ] && b+=(-k "$POOL")
	out=$(nsx cli "$LOADGEN" -a "$a" -p "$p" -r "${LOAD_RATE:-$RATE}" -d "$DUR" -w "$WARM" \
		-m 16 -T 30 "${b[@]}" -o "$OUTDIR/route-runs/$name.req")
	echo "$out"
}

# BURSTS bursts of BURST streams (loadgen at BURST x 1000/s for 1 ms: all
# due within a millisecond; with -k each burst has a fresh pool),
# per-request lines appended with the burst's start offset (k x 100 s);
# prints "n=... ok=... fail=... ttft_p99=..."
run_bursts() { # NAME MODE ADDR PORT SRC...
	local name=$1 k f=$OUTDIR/route-runs/$1.req
	shift
	: >"$f"
	for k in $(seq "$BURSTS"); do
		LOAD_RATE=$((BURST * 1000)) DUR=0.001 WARM=0 run_load "$name.$k" "$@" >/dev/null
		awk -F'\t' -v k="$k" 'BEGIN { OFS = "\t" } { $1 += k * 100000; print }' \
			"$OUTDIR/route-runs/$name.$k.req" >>"$f"
		rm -f "$OUTDIR/route-runs/$name.$k.req"
		sleep "$BURST_GAP"
	done
	awk -F'\t' '{ print ($7 >= 0 ? $6 : 30000), ($7 >= 0) }' "$f" | sort -n |
		awk '{ t[NR] = $1; ok += $2 }
		END { i = int(0.99 * NR) + 1; if (i > NR) i = NR
		      printf "n=%d ok=%d fail=%d ttft_p99=%.1f\n", NR, ok, NR - ok, NR ? t[i] : -1 }'
}

nft_on() {
	nsx gw nft -f - <<EOF
table ip steerroute {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $NFT_VIP tcp dport 80 dnat to numgen random mod 2 map { 0 : 198.18.2.2 . 8000, 1 : 198.18.3.2 . 8000 }
	}
}
EOF
}
nft_off() { nsx gw nft delete table ip steerroute; }

# set a contender up for its turn, print "ADDR PORT"; tear it down after
on() {
	case $1 in
	steer) write_policy latency; start_steerd "latency-$SCEN" ;;
	steer-nobound) write_policy latency 0; start_steerd "latency-nobound-$SCEN" ;;
	steer-plain) write_policy latency 0 0; start_steerd "latency-plain-$SCEN" ;;
	steer-bf*) write_policy latency "${1#steer-bf}"; start_steerd "latency-$1-$SCEN" ;;
	nft-random) nft_on ;;
	esac
}
off() {
	case $1 in
	steer | steer-nobound | steer-plain | steer-bf*)
		stop_steerd
		dp detach xdp cli0 2>/dev/null || true
		;;
	nft-random) nft_off ;;
	esac
}
target() {
	case $1 in
	steer | steer-nobound | steer-plain | steer-bf*) echo "$VIP 80" ;;
	nft-random) echo "$NFT_VIP 80" ;;
	haproxy-leastconn) echo "198.18.100.4 80" ;;
	esac
}

# ---- A: latency ----
read -r -a CONTENDERS <<<"${ROUTE_CONTENDERS:-steer steer-nobound steer-plain nft-random haproxy-leastconn}"
: >"$OUTDIR/route-runs.tsv"
for SCEN in $SCENARIOS; do
	be2_as "$SCEN"
	LOAD_RATE=$RATE
	[ "$SCEN" = equal ] && LOAD_RATE=$RATE_EQ
	for round in $(seq "$ROUNDS"); do
		order=("${CONTENDERS[@]}")
		modes=(close keepalive)
		if [ $((round % 2)) -eq 0 ]; then
			order=()
			for ((i = ${#CONTENDERS[@]} - 1; i >= 0; i--)); do order+=("${CONTENDERS[i]}"); done
			modes=(keepalive close)
		fi
		for c in "${order[@]}"; do
			log "A: $SCEN round $round: $c"
			on "$c"
			for mode in "${modes[@]}"; do
				run=run_load
				[ "$SCEN" = burst ] && run=run_bursts
				# shellcheck disable=SC2046
				out=$($run "$SCEN-$mode-$c-r$round" "$mode" $(target "$c") 198.18.1.3)
				log "A: $SCEN $mode $c r$round: $out"
				printf '%s\t%s\t%s\t%s\t%s\n' "$SCEN" "$mode" "$c" "$round" "$out" |
					tr ' ' '\t' >>"$OUTDIR/route-runs.tsv"
			done
			off "$c"
		done
	done
done

# pooled over rounds: n fail ttft/total p50/p99, share of the requests served
# by be2, each round's p99 TTFT; a failed request counts with the timeout
: >"$OUTDIR/route.tsv"
for SCEN in $SCENARIOS; do
	w=$WARM
	[ "$SCEN" = burst ] && w=0
	for mode in close keepalive; do
		for c in "${CONTENDERS[@]}"; do
			rounds=$(for round in $(seq "$ROUNDS"); do
				awk -F'\t' -v w="$w" '$1 >= w * 1000 { print ($7 >= 0 ? $6 : 30000) }' \
					"$OUTDIR/route-runs/$SCEN-$mode-$c-r$round.req" | sort -n |
					awk '{ v[NR] = $1 } END { i = int(0.99 * NR) + 1; if (i > NR) i = NR; printf "%.0f", NR ? v[i] : -1 }'
				echo
			done | paste -sd/)
			cat "$OUTDIR/route-runs/$SCEN-$mode-$c"-r*.req | awk -F'\t' -v w="$w" \
				-v key="$SCEN\t$mode\t$c" -v rounds="$rounds" '
			function pc(a, n, p,   i) { i = int(p / 100 * n) + 1; if (i > n) i = n; return n ? a[i] : -1 }
			function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
			$1 >= w * 1000 {
				n++; ok = $7 >= 0; if (!ok) fail++
				tt[n] = ok ? $6 : 30000; tc[n] = ok ? $7 : 30000
				if ($3 == "be2") s++
			}
			END {
				sort(tt, n); sort(tc, n)
				printf "%s\tn=%d\tfail=%d\tttft_p50=%.1f\tttft_p99=%.1f\ttotal_p50=%.1f\ttotal_p99=%.1f\tslow_share=%.2f\tp99_rounds=%s\n",
					key, n, fail, pc(tt, n, 50), pc(tt, n, 99), pc(tc, n, 50), pc(tc, n, 99), n ? s / n : 0, rounds
			}' >>"$OUTDIR/route.tsv"
			log "$(tail -1 "$OUTDIR/route.tsv")"
		done
	done
done

# ---- B: cost under constraints ----
cost_phase() { # NAME (policy written already)
	local name=$1 i
	local -a k0
	for i in 1 2 3; do k0[i]=$(wc -l <"$OUTDIR/route-logs/be$i.req"); done
	start_steerd "$name"
	LOAD_RATE=$RATE run_load "$name" close $VIP 80 198.18.1.2 198.18.1.3 >/dev/null
	stop_steerd
	dp detach xdp cli0 2>/dev/null || true
	sleep 0.5
	# model cost per backend: be1/be2 large 1.0, be3 small 0.2; tiers 3,3,1
	for i in 1 2 3; do tail -n +$((k0[i] + 1)) "$OUTDIR/route-logs/be$i.req"; done |
		awk -v name="$name" '
		/path=\/v1\/chat\/completions/ && /status=200/ {
			for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			split(f["peer"], pa, ":")
			c = f["backend"] == "be3" ? 0.2 : 1.0
			tok += f["tokens"]; cost += f["tokens"] * c; n++
			per[f["backend"]] += 1
			if (pa[1] == "198.18.1.2" && f["backend"] == "be3") viol++
		}
		END {
			printf "%s\tcost_per_mtok=%.3f\tviolations=%d\trequests=%d\ttokens=%d\tbe1=%d\tbe2=%d\tbe3=%d\n",
				name, tok ? cost / tok : 0, viol, n, tok, per["be1"], per["be2"], per["be3"]
		}' >>"$OUTDIR/route-cost.tsv"
	log "$(tail -1 "$OUTDIR/route-cost.tsv")"
}
: >"$OUTDIR/route-cost.tsv"
log "B: cost-aware policy"
write_policy cost
cost_phase cost-aware
log "B: cost-blind policy"
write_policy blind
cost_phase cost-blind
# every request of the whole run (A and B) from the strict tenant on be3
v=$(cat "$OUTDIR"/route-logs/be3.req | grep -c 'peer=198.18.1.2:' || true)
echo "all_phases_violations=$v" >>"$OUTDIR/route-cost.tsv"
dp detach xdp cli0 2>/dev/null || true
log "done"
