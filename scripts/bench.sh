#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make bench: steer side by side with what users would pick instead.
#   scripts/bench.sh [--smoke] [--only pkt|e2e|route|cp]...
# Writes .output/bench/results.md (+ raw .tsv files and PNG plots). Every
# part runs in namespaces / a private bpffs of its own and cleans up after
# itself, also on Ctrl-C. --smoke: tiny rounds (seconds), to keep the
# scripts working (CI); its numbers mean nothing.
#
#   pkt    tests/bench/pktbench: BPF_PROG_TEST_RUN ns/packet vs a no-op XDP
#   e2e    scripts/bench/e2e.sh: wrk through steer / nftables / HAProxy /
#          nginx / direct routing, keep-alive and connection per request
#   route  scripts/bench/route.sh: open-loop streaming load, backends equal
#          and one 4x slower, bursts of streams over the backends' slots,
#          connection per request and keep-alive pools;
#          cost under tenant constraints
#   cp     scripts/bench/steerd-steady.sh: decide + publish, CPU, RSS
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
OUT=$top/.output/bench
SMOKE=0
ONLY=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--only) ONLY+=("$2"); shift ;;
	*) echo "usage: $0 [--smoke] [--only pkt|e2e|route|cp]..." >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (namespaces, bpffs, BPF)" >&2; exit 77; }
for b in pktbench loadgen; do
	[ -x "$OUT/$b" ] || { echo "bench: missing $OUT/$b (make bench-build)" >&2; exit 1; }
done
trap 'echo "bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
want() { [ ${#ONLY[@]} -eq 0 ] && return 0; local o; for o in "${ONLY[@]}"; do [ "$o" = "$1" ] && return 0; done; return 1; }
say() { echo "[bench $(date +%T)] $*" >&2; }

if [ $SMOKE -eq 1 ]; then
	PKT_N=20000 PKT_R=2
	E2E_R=1 E2E_D=1 E2E_C=8
	export E2E_WARM=0
	RT_D=2 RT_RATE=6 RT_ROUNDS=1 RT_RATE_EQ=12 RT_POOL=8
	export BURSTS=2 # route.sh's burst scenario: 2 bursts per run, not 8
	CP=("16 2 8 1 1")
else
	PKT_N=1000000 PKT_R=5
	E2E_R=3 E2E_D=5 E2E_C=32
	RT_D=10 RT_RATE=12 RT_ROUNDS=2 RT_RATE_EQ=28 RT_POOL=8
	CP=("1024 8 64 20 1" "1024 8 64 20 1 262144" "1024 8 4096 10 0")
fi
mkdir -p "$OUT"
MD=$OUT/results.md
STATUS=0
T0=$SECONDS

# ---- machine ----
ver() { "$@" 2>&1 | head -1; }
{
	echo "# steer benchmarks"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC')$([ $SMOKE -eq 1 ] && echo ' — SMOKE RUN (tiny rounds, numbers mean nothing)')"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| machine | $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -r) |"
	echo "| load at start | $(cut -d' ' -f1-3 /proc/loadavg) |"
	echo "| clang | $(ver clang --version) |"
	echo "| bpftool | $(ver bpftool version) |"
	echo "| libbpf | $(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null) |"
	echo "| wrk | $(ver wrk -v) |"
	echo "| nftables | $(ver nft --version) |"
	echo "| HAProxy | $(ver haproxy -v) |"
	echo "| nginx | $(nginx -v 2>&1) |"
	echo "| gnuplot | $(ver gnuplot --version) |"
	echo "| steer | $(git -C "$top" describe --always --dirty 2>/dev/null) |"
	echo
} >"$MD"

plot() { # gnuplot script on stdin
	command -v gnuplot >/dev/null 2>&1 || return 0
	gnuplot 2>>"$OUT/gnuplot.log" || say "gnuplot failed (see $OUT/gnuplot.log)"
}

# ---- 1. per packet ----
if want pkt; then
	say "pkt: BPF_PROG_TEST_RUN, $PKT_N packets x $PKT_R rounds"
	t=$SECONDS
	if "$OUT/pktbench" -n "$PKT_N" -r "$PKT_R" -t "$OUT/pkt.tsv" >"$OUT/pkt.md" 2>"$OUT/pkt.log"; then
		:
	else
		STATUS=1
		say "pkt: FAILED (see $OUT/pkt.log)"
	fi
	{
		echo "## 1. Per packet: BPF_PROG_TEST_RUN"
		echo
		echo "\`.output/bench/pktbench -n $PKT_N -r $PKT_R\`, in a private netns with veths,"
		echo "routes and permanent neighbours (real FIB lookups; ingress_ifindex set, verdicts"
		echo "checked). Median over $PKT_R rounds (min..max), ratio = median / no-op median of"
		echo "the same style. **batch**: one call with repeat=$PKT_N (only for paths that leave"
		echo "the packet alone). **per-call prog**: $PKT_N separate repeat=1 calls, the kernel's"
		echo "duration of each run (includes the test-run timer, ~50 ns). **per-call syscall**:"
		echo "wall time of each whole bpf() call (copy in/out dominates). Paths that rewrite"
		echo "the packet (all steered ones) can only be timed per call."
		echo
		cat "$OUT/pkt.md"
		echo
		echo "($((SECONDS - t)) s)"
		echo
	} >>"$MD"
	awk -F'\t' '
	function med(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 0
	}
	NR > 1 && $2 == "prog" { v[$1] = v[$1] " " $4; if (!($1 in seen)) { seen[$1] = 1; o[++n] = $1 } }
	END { for (i = 1; i <= n; i++) print o[i] "\t" med(v[o[i]]) }' "$OUT/pkt.tsv" >"$OUT/pkt-prog.dat" 2>/dev/null
	plot <<EOF
set terminal pngcairo size 900,450
set output "$OUT/pkt.png"
set title "steer per-packet cost (per-call prog ns, BPF_PROG_TEST_RUN, median)"
set style data histograms
set style fill solid 0.7
set ylabel "ns per packet"
set datafile separator "\t"
plot "$OUT/pkt-prog.dat" using 2:xtic(1) title "ns/packet"
EOF
fi

# ---- 2. end to end ----
if want e2e; then
	say "e2e: $E2E_R rounds x 6 contenders x 2 modes x $E2E_D s"
	t=$SECONDS
	rm -f "$OUT/e2e.tsv"
	if ! "$top/scripts/bench/e2e.sh" "$OUT" "$E2E_R" "$E2E_D" "$E2E_C" >"$OUT/e2e.log" 2>&1; then
		STATUS=1
		say "e2e: FAILED (see $OUT/e2e.log)"
	fi
	{
		echo "## 2. End to end: short HTTP requests through the gateway"
		echo
		echo "\`scripts/bench/e2e.sh .output/bench $E2E_R $E2E_D $E2E_C\`: wrk -t2 -c$E2E_C for $E2E_D s per"
		echo "run, client, gateway and backend (tiny_httpd, two addresses) in namespaces"
		echo "linked by veths; every contender uses the same gateway, NIC settings and"
		echo "backend; $E2E_R rounds, contender order rotated each round; figures are medians"
		echo "over rounds of per-round values, ratios are per round against \`direct\` (the"
		echo "gateway only routes to one backend address). CPU = machine-wide busy time"
		echo "(/proc/stat, softirq included) per request; \"added\" = minus direct's in the"
		echo "same round. Latency is wrk's (request written → response; connect time"
		echo "excluded). Close = \`Connection: close\`, a new connection per request."
		echo
	} >>"$MD"
	if [ -s "$OUT/e2e.tsv" ]; then
		awk -F'\t' '
		function med(s,   a, n, i, j, t) {
			n = split(s, a, " ")
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 0
		}
		NR > 1 { k = $2 SUBSEP $3; rps[k] = rps[k] " " $4; p50[k] = p50[k] " " $5; p99[k] = p99[k] " " $6
			cpu[k] = cpu[k] " " $7; err[k] += $8; R[$1 SUBSEP $2 SUBSEP $3] = $4 " " $7 " " $6
			rounds[$1] = 1; modes[$2] = 1; if (!($3 in seen)) { seen[$3] = 1; order[++nc] = $3 } }
		END {
			split("keepalive close", ml, " ")
			for (m = 1; m <= 2; m++) {
				mo = ml[m]; if (!(mo in modes)) continue
				# per-round ratios
				for (r in rounds) {
					split(R[r SUBSEP mo SUBSEP "direct"], d, " ")
					split(R[r SUBSEP mo SUBSEP "nft-numgen"], nn, " ")
					for (i = 1; i <= nc; i++) {
						c = order[i]; split(R[r SUBSEP mo SUBSEP c], v, " ")
						if (d[1] > 0) ratio[mo SUBSEP c] = ratio[mo SUBSEP c] " " v[1] / d[1]
						add[mo SUBSEP c] = add[mo SUBSEP c] " " v[2] - d[2]
						if (nn[3] > 0) p99n[mo SUBSEP c] = p99n[mo SUBSEP c] " " v[3] / nn[3]
					}
				}
				printf "### %s\n\n", mo == "close" ? "Connection per request" : "Keep-alive"
				print "| contender | req/s | × direct | p50 µs | p99 µs | p99 × nft-numgen | CPU µs/req | added over direct µs/req | errors |"
				print "|---|---|---|---|---|---|---|---|---|"
				for (i = 1; i <= nc; i++) {
					c = order[i]; k = mo SUBSEP c
					printf "| %s | %.0f | %.2f× | %d | %d | %.2f× | %.1f | %+.1f | %d |\n", c, med(rps[k]), med(ratio[k]),
						med(p50[k]), med(p99[k]), med(p99n[k]), med(cpu[k]), med(add[k]), err[k]
					printf "E2E %s %s rps=%.0f x_direct=%.3f p50=%d p99=%d p99_x_numgen=%.3f cpu=%.1f added=%.1f\n", mo, c, med(rps[k]), med(ratio[k]), med(p50[k]), med(p99[k]), med(p99n[k]), med(cpu[k]), med(add[k]) > "/dev/stderr"
				}
				print ""
			}
		}' "$OUT/e2e.tsv" >>"$MD" 2>"$OUT/e2e-summary.txt"
		{
			echo "steer data plane during its turns: $(tr '\n' ';' <"$OUT/e2e-steer-stats.txt" 2>/dev/null)"
			echo
			echo "Plots: \`e2e-throughput.png\`, \`e2e-latency-keepalive.png\`, \`e2e-latency-close.png\`."
			echo
			echo "($((SECONDS - t)) s)"
			echo
		} >>"$MD"
		for mode in keepalive close; do
			pl=""
			for c in direct steer nft-numgen nft-jhash haproxy nginx; do
				f=$OUT/e2e-lat-$mode-$c.dat
				[ -s "$f" ] && pl="$pl${pl:+, }\"$f\" using 2:1 with linespoints title \"$c\""
			done
			[ -n "$pl" ] && plot <<EOF
set terminal pngcairo size 900,500
set output "$OUT/e2e-latency-$mode.png"
set title "latency distribution, $mode (last round, wrk)"
set xlabel "latency (µs, log)"
set ylabel "percentile"
set logscale x
set key bottom right
plot $pl
EOF
		done
		awk '/^E2E/ { split($4, a, "="); print $3 "\t" $2 "\t" a[2] }' "$OUT/e2e-summary.txt" |
			awk -F'\t' '{ v[$1, $2] = $3; if (!($1 in s)) { s[$1] = 1; o[++n] = $1 } }
			END { for (i = 1; i <= n; i++) print o[i] "\t" v[o[i], "keepalive"] + 0 "\t" v[o[i], "close"] + 0 }' \
			>"$OUT/e2e-rps.dat"
		plot <<EOF
set terminal pngcairo size 900,450
set output "$OUT/e2e-throughput.png"
set title "requests/s (median over rounds)"
set style data histograms
set style histogram clustered
set style fill solid 0.7
set datafile separator "\t"
set ylabel "requests/s"
plot "$OUT/e2e-rps.dat" using 2:xtic(1) title "keep-alive", "" using 3 title "connection per request"
EOF
	else
		echo "(no results: see .output/bench/e2e.log)" >>"$MD"
		echo >>"$MD"
	fi
fi

# ---- 3. routing quality ----
if want route; then
	RT_ARGS="$RT_D $RT_RATE $RT_ROUNDS $RT_RATE_EQ $RT_POOL"
	say "route: open-loop streaming, 3 scenarios (equal, slow, burst) x 2 modes x 5 contenders x $RT_ROUNDS rounds x $RT_D s"
	t=$SECONDS
	rm -f "$OUT/route.tsv" "$OUT/route-cost.tsv"
	# shellcheck disable=SC2086
	if ! "$top/scripts/bench/route.sh" "$OUT" $RT_ARGS >"$OUT/route.log" 2>&1; then
		STATUS=1
		say "route: FAILED (see $OUT/route.log)"
	fi
	{
		echo "## 3. Routing quality: open-loop streaming load, equal and unequal backends"
		echo
		echo "\`scripts/bench/route.sh .output/bench $RT_ARGS\`: tests/bench/loadgen starts streaming"
		echo "chat completions (16 tokens) at a fixed rate (open loop) for $RT_D s per run; mockllm"
		echo "backends of 4 slots: be1 fast (TTFT 50 ms, 100 tok/s); be2 the same (**equal**, at"
		echo "$RT_RATE_EQ req/s) or 4× slower (**slow**: TTFT 200 ms, 25 tok/s, at $RT_RATE req/s), same"
		echo "declared capacity; **burst**: be2 equal, 8 bursts of 16 streams each due within 1 ms"
		echo "(twice the 8 slots), 1.2 s apart, no warm-up. **close**: a new connection per request (HTTP/1.0);"
		echo "**keepalive**: a pool of at most $RT_POOL HTTP/1.1 keep-alive connections (loadgen -k,"
		echo "an HTTP client agent's pool: the most recently freed idle connection first, a"
		echo "request waits when all $RT_POOL are busy). $RT_ROUNDS rounds, contender order reversed every"
		echo "other round. Times in ms from the request's due time, percentiles over the"
		echo "requests of all rounds (warm-up excluded; a failed request counts as 30 s);"
		echo "\"per round\" = each round's p99 TTFT."
		echo
		awk -F'\t' '
		{ k = $1 SUBSEP $2; for (i = 4; i <= NF; i++) { split($i, kv, "="); v[k, $3, kv[1]] = kv[2] }
		  if (!(k in seenk)) { seenk[k] = 1; keys[++nk] = k }
		  if (!((k, $3) in seenc)) { seenc[k, $3] = 1; cs[k, ++nc[k]] = $3 } }
		function mark(ok) { return ok ? "✓" : "✗" }
		END {
			for (j = 1; j <= nk; j++) {
				k = keys[j]; split(k, sm, SUBSEP)
				printf "### %s backends, %s\n\n", sm[1], sm[2] == "close" ? "connection per request" : "keep-alive pool"
				print "| contender | requests | failed | TTFT p50 | TTFT p99 (per round) | p99 TTFT × haproxy-leastconn | × steer-plain | completion p50 | completion p99 | share on be2 |"
				print "|---|---|---|---|---|---|---|---|---|---|"
				h = v[k, "haproxy-leastconn", "ttft_p99"]; nb = v[k, "steer-plain", "ttft_p99"]
				for (i = 1; i <= nc[k]; i++) { c = cs[k, i]
					printf "| %s | %d | %d | %.0f | %.0f (%s) | %.2f× | %.2f× | %.0f | %.0f | %.0f%% |\n", c, v[k, c, "n"], v[k, c, "fail"],
						v[k, c, "ttft_p50"], v[k, c, "ttft_p99"], v[k, c, "p99_rounds"], (h > 0 ? v[k, c, "ttft_p99"] / h : 0),
						(nb > 0 ? v[k, c, "ttft_p99"] / nb : 0), v[k, c, "total_p50"], v[k, c, "total_p99"], 100 * v[k, c, "slow_share"] }
				s = v[k, "steer", "ttft_p99"]
				printf "\nTarget: steer p99 TTFT ≤ HAProxy leastconn'"'"'s: %.0f vs %.0f %s", s, h, mark(s <= h)
				if (sm[1] == "slow") printf "; ≤ half of plain Maglev'"'"'s (steer-plain): %.0f vs %.0f / 2 %s", s, nb, mark(s <= nb / 2)
				printf "\n\n"
				printf "ROUTE %s %s steer=%.0f haproxy=%.0f plain=%.0f nft=%.0f\n", sm[1], sm[2], s, h, nb, v[k, "nft-random", "ttft_p99"] > "/dev/stderr"
			}
		}' "$OUT/route.tsv" 2>"$OUT/route-summary.txt"
		echo "Cost under constraints (be3: cheaper model at 0.2/Mtok vs 1.0, safety tier 1;"
		echo "tenant 198.18.1.2 requires tier ≥ 2, 198.18.1.3 is unconstrained; half the"
		echo "requests each; be2 slow, connection per request, $RT_RATE req/s). Cost and violations"
		echo "counted from the backends' request logs:"
		echo
		echo "| policy | cost per Mtok | × cost-blind | constraint violations | requests | be1 | be2 | be3 |"
		echo "|---|---|---|---|---|---|---|---|"
		awk -F'\t' '
		/^all_phases/ { split($1, kv, "="); all = kv[2]; next }
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$1, kv[1]] = kv[2] } names[++n] = $1 }
		END {
			b = v["cost-blind", "cost_per_mtok"]
			for (i = 1; i <= n; i++) { c = names[i]
				printf "| %s | %.3f | %.2f× | %d | %d | %d | %d | %d |\n", c, v[c, "cost_per_mtok"],
					(b > 0 ? v[c, "cost_per_mtok"] / b : 0), v[c, "violations"], v[c, "requests"],
					v[c, "be1"], v[c, "be2"], v[c, "be3"] }
			print ""
			print "Violations over the whole run (every request of the strict tenant on be3): " all
		}' "$OUT/route-cost.tsv" 2>/dev/null
		echo
		echo "Plots: \`route-ttft-close.png\`, \`route-ttft-keepalive.png\` (slow scenario). ($((SECONDS - t)) s)"
		echo
	} >>"$MD"
	for mode in close keepalive; do
		pl=""
		for c in steer steer-nobound steer-plain nft-random haproxy-leastconn; do
			ls "$OUT/route-runs/slow-$mode-$c"-r*.req >/dev/null 2>&1 || continue
			cat "$OUT/route-runs/slow-$mode-$c"-r*.req | awk -F'\t' '$6 >= 0 { print $6 }' | sort -n |
				awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], 100 * i / NR }' \
				>"$OUT/route-ttft-$mode-$c.dat"
			pl="$pl${pl:+, }\"$OUT/route-ttft-$mode-$c.dat\" using 1:2 with lines lw 2 title \"$c\""
		done
		[ -n "$pl" ] && plot <<EOF
set terminal pngcairo size 900,500
set output "$OUT/route-ttft-$mode.png"
set title "time to first token, open loop, one backend 4x slower, $mode"
set xlabel "TTFT (ms, log)"
set ylabel "percentile"
set logscale x
set key bottom right
plot $pl
EOF
	done
fi

# ---- 4. control plane ----
if want cp; then
	{
		echo "## 4. Control plane: steerd"
		echo
		echo "\`scripts/bench/steerd-steady.sh TENANTS TASKS BACKENDS SECONDS PROBE [CT]\`: generated"
		echo "policy (scripts/bench/gen-policy.sh), steerd publishing into a private bpffs."
		echo "Cold = first decide + publish; recompute = median of the decide + publish lines"
		echo "after the steady window (5 SIGHUP reloads + periodic republishes). CPU and RSS"
		echo "over the steady window, with an empty conntrack and with CT established flows"
		echo "in it (the sweep's cost). Target: ≤ 50 ms at 1024 × 8 × 64, < 1 % of a core."
		echo
		echo "| tenants × tasks × backends | probes | conntrack entries | cold decide + publish ms | recompute: decide + publish ms | steady CPU % of a core | republishes in window | RSS MiB |"
		echo "|---|---|---|---|---|---|---|---|"
	} >>"$MD"
	t=$SECONDS
	: >"$OUT/cp.log"
	for args in "${CP[@]}"; do
		# shellcheck disable=SC2086
		set -- $args
		say "cp: $1 x $2 x $3, $4 s, probes $5"
		line=$("$top/scripts/bench/steerd-steady.sh" $args 2>>"$OUT/cp.log" | tee -a "$OUT/cp.log" | grep '^CP ') ||
			{ STATUS=1; say "cp: FAILED (see $OUT/cp.log)"; continue; }
		echo "$line" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			printf "| %s × %s × %s | %s | %s | %s + %s = %.1f | %s + %s | %s | %s | %.0f |\n", v["tenants"], v["tasks"], v["backends"],
				v["probe"] == 1 ? "every 500 ms" : "none", v["ct"], v["cold_decide_ms"], v["cold_publish_ms"],
				v["cold_decide_ms"] + v["cold_publish_ms"], v["reload_decide_ms"], v["reload_publish_ms"],
				v["cpu_pct"], v["steady_republishes"], v["rss_kib"] / 1024 }' >>"$MD"
	done
	echo >>"$MD"
	echo "($((SECONDS - t)) s)" >>"$MD"
	echo >>"$MD"
fi

echo "Total: $((SECONDS - T0)) s. Raw data: \`.output/bench/*.tsv\`, logs \`.output/bench/*.log\`." >>"$MD"
say "done in $((SECONDS - T0)) s: $MD"
exit $STATUS
