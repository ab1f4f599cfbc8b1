#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerd's control-plane cost: TENANTS x TASKS x BACKENDS policy, steerd
# publishing into a private bpffs (no interfaces attached).
#   steerd-steady.sh [TENANTS TASKS BACKENDS SECONDS PROBE [CT]]  (default 1024 8 64 20 1 0)
# PROBE=1: every backend is a mockllm port on 127.0.0.1 (16 per mockllm
# process), health + vLLM metrics probed every 500 ms. PROBE=0: backends
# have no URLs (weights from the kernel's flow counters; for sizes where
# probing thousands of ports would measure the probe targets, not steerd).
# CT > 0: CT established flows are written into conntrack (tests dpctl
# ct-fill) after the first publish, so the steady window includes steerd's
# conntrack sweep over a table that full.
#
# Measures: the cold decide + publish (first publish), steerd's CPU (% of one
# core) and RSS over SECONDS of steady state, then 5 reloads (SIGHUP, 1 s
# apart: a full recompute + publish each) from steerd's debug line
# "decide X ms, publish Y ms". Prints a human line and a machine line:
#   CP tenants=… tasks=… backends=… probe=… cold_decide_ms=… cold_publish_ms=…
#      reload_decide_ms=… reload_publish_ms=… (medians) cpu_pct=… rss_kib=…
set -euo pipefail
T=${1:-1024} K=${2:-8} B=${3:-64} DUR=${4:-20} PROBE=${5:-1} CT=${6:-0}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/.output
[ "$(id -u)" -eq 0 ] || { echo "steerd-steady: needs root (bpffs)" >&2; exit 77; }
run=$(mktemp -d /tmp/steer-steady-XXXX)
pids=()
mounted=0
cleanup() {
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ $mounted -eq 1 ] && { umount "$run/bpffs" 2>/dev/null || umount -l "$run/bpffs"; }
	[ -n "${KEEP_LOG:-}" ] && cp "$run/steerd.log" "$KEEP_LOG" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
base=
if [ "$PROBE" = 1 ]; then
	base=$((20000 + RANDOM % 20000))
	for ((s = 1; s <= B; s += 16)); do
		listen=()
		for ((i = s; i < s + 16 && i <= B; i++)); do
			listen+=(--listen "127.0.0.1:$((base + i))")
		done
		"$out/mockllm" "${listen[@]}" --name steady --model m >>"$run/mock.log" 2>&1 &
		pids+=($!)
	done
fi
"$top/scripts/bench/gen-policy.sh" "$T" "$K" "$B" $base >"$run/policy.yaml"
mkdir "$run/bpffs"
mount -t bpf bpffs "$run/bpffs"
mounted=1
sleep 0.5
"$out/steerd" --foreground --no-attach --log-level debug -P "$run/bpffs" -c "$run/policy.yaml" \
	--socket "$run/steerd.sock" --state "$run/state.json" >"$run/steerd.log" 2>&1 &
sd=$!
pids+=($sd)
for _ in $(seq 100); do
	grep -q "decide .* ms, publish" "$run/steerd.log" && break
	kill -0 $sd 2>/dev/null || { cat "$run/steerd.log" >&2; exit 1; }
	sleep 0.1
done
if [ "$CT" -gt 0 ]; then
	filled=0 # to the first IPv4 backend (ids follow the policy's order)
	for id in 1 2 3 4; do
		"$out/tests/e2e/dpctl" --pin-root "$run/bpffs" ct-fill "$CT" $id 1 198.18.100.1 80 \
			2>/dev/null && { filled=1; break; }
	done
	[ $filled = 1 ] || { echo "steerd-steady: conntrack fill failed" >&2; exit 1; }
fi
sleep 2 # first probe rounds (and, with CT, the first sweep pass)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks "$sd")
s0=$(date +%s%N)
sleep "$DUR"
t1=$(ticks "$sd")
s1=$(date +%s%N)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$sd/status")
cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v ns="$((s1 - s0))" \
	'BEGIN {printf "%.2f", 100 * t / hz / (ns / 1e9)}')
n0=$(grep -c "decide .* ms, publish" "$run/steerd.log" || true)
for _ in 1 2 3 4 5; do
	kill -HUP $sd
	sleep 1
done
sleep 1
# every "decide X ms, publish Y ms" line: the first is the cold publish
grep -o "decide [0-9.]* ms, publish [0-9.]* ms" "$run/steerd.log" |
	awk '{ print $2, $5 }' >"$run/dp.txt"
read -r cd cp < <(head -1 "$run/dp.txt")
med() { sort -n | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
rd=$(tail -n +$((n0 + 1)) "$run/dp.txt" | awk '{ print $1 }' | med)
rp=$(tail -n +$((n0 + 1)) "$run/dp.txt" | awk '{ print $2 }' | med)
nr=$(($(wc -l <"$run/dp.txt") - n0))
echo "steerd: $T tenants x $K tasks x $B backends (probes: $([ "$PROBE" = 1 ] && echo "500 ms" || echo none), $CT conntrack entries):" \
	"cold decide $cd ms + publish $cp ms; reload (median of $nr) decide $rd ms + publish $rp ms;" \
	"steady CPU ${cpu}% of a core over ${DUR}s ($((n0 - 1)) republishes), RSS ${rss} KiB"
echo "CP tenants=$T tasks=$K backends=$B probe=$PROBE ct=$CT cold_decide_ms=$cd cold_publish_ms=$cp" \
	"reload_decide_ms=$rd reload_publish_ms=$rp reloads=$nr cpu_pct=$cpu rss_kib=$rss" \
	"steady_republishes=$((n0 - 1))"
