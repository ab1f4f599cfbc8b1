#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerd's steady-state cost: TENANTS x TASKS x BACKENDS policy, every backend
# a mockllm port on 127.0.0.1 (health + vLLM metrics probed every interval),
# steerd publishing into a private bpffs (no interfaces attached). Prints
# steerd's CPU (% of one core) and RSS after SECONDS of steady state.
#   steerd-steady.sh [TENANTS TASKS BACKENDS SECONDS]   (default 1024 8 64 20)
set -euo pipefail
T=${1:-1024} K=${2:-8} B=${3:-64} DUR=${4:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/.output
[ "$(id -u)" -eq 0 ] || { echo "steerd-steady: needs root (bpffs)" >&2; exit 77; }
run=$(mktemp -d /tmp/steer-steady-XXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	umount "$run/bpffs" 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT INT TERM
base=$((20000 + RANDOM % 20000))
listen=()
for i in $(seq 1 "$B"); do listen+=(--listen "127.0.0.1:$((base + i))"); done
"$out/mockllm" "${listen[@]}" --name steady --model m >"$run/mock.log" 2>&1 &
pids+=($!)
"$top/scripts/bench/gen-policy.sh" "$T" "$K" "$B" "$base" >"$run/policy.yaml"
mkdir "$run/bpffs"
mount -t bpf bpffs "$run/bpffs"
sleep 0.5
"$out/steerd" --foreground --no-attach -P "$run/bpffs" -c "$run/policy.yaml" \
	>"$run/steerd.log" 2>&1 &
sd=$!
pids+=($sd)
sleep 3 # first rounds and the cold publish
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
rounds=$(grep -c "published" "$run/steerd.log" || true)
echo "steerd steady state: $T tenants x $K tasks x $B backends, probe interval 500 ms:" \
	"CPU ${cpu}% of a core over ${DUR}s, RSS ${rss} KiB ($rounds publish log lines)"
grep -m1 "published" "$run/steerd.log" | sed 's/^.*published/cold publish/' || true
