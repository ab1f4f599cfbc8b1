#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steer demo (`make demo`, as root): a namespace testbed (scripts/testbed.sh)
# with two tenants and four mock inference backends of two providers, steerd
# steering with examples/demo-policy.yaml, real streaming chat completions
# from each tenant over IPv4 and IPv6, what went where and why, per-backend
# counters as bpftool shows them, then one backend slowed down and new
# traffic moving away from it. Everything is removed on exit, also on Ctrl-C.
#
#   scripts/demo.sh [--policy FILE] [--keep]
#     --keep   leave the testbed up at the end (scripts/testbed.sh down removes it)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/.output
TESTBED=$TOP/scripts/testbed.sh
POLICY=$TOP/examples/demo-policy.yaml
STEERD=$OUT/steerd
STEERCTL=$OUT/steerctl
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--policy)
		POLICY=$2
		shift 2
		;;
	--keep)
		KEEP=1
		shift
		;;
	*)
		sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
done

if [ -t 1 ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B="" G="" R="" D="" N=""
fi
SECONDS=0
STEP=0
section() {
	STEP=$((STEP + 1))
	printf '\n%s== %d. %s ==%s\n' "$B" "$STEP" "$*" "$N"
}
note() { printf '%s%s%s\n' "$D" "$*" "$N"; }
fail() {
	printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root (namespaces, XDP, bpffs): sudo make demo"
for t in ip bpftool curl ethtool awk; do
	command -v "$t" >/dev/null 2>&1 || fail "missing tool $t (scripts/install-deps.sh)"
done
for t in "$STEERD" "$OUT/mockllm"; do
	[ -x "$t" ] || fail "missing $t (run make first)"
done
[ -r "$POLICY" ] || fail "cannot read $POLICY"

ID=$(printf 'd%x' "$$")
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# stop our background clients first, then the whole testbed
	jobs -p | xargs -r kill 2>/dev/null || true
	if [ "$KEEP" -eq 1 ] && [ "$rc" -eq 0 ]; then
		echo "testbed $ID kept: scripts/testbed.sh status --id $ID; scripts/testbed.sh down --id $ID"
	else
		"$TESTBED" down --id "$ID" >/dev/null 2>&1 || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "demo: \"$BASH_COMMAND\" failed at line $LINENO" >&2' ERR
trap 'echo; echo "demo: interrupted, cleaning up" >&2; exit 130' INT
trap 'exit 143' TERM

# ---- policy, read with awk (block style as in examples/demo-policy.yaml) ----
# Records: S task vip | B name id address model provider safety |
#          M name cost tasks(,) | T name id min_safety max_cost min_quality
policy_records() {
	awk '
	function val(s) { sub(/[ \t]+#.*/, "", s); gsub(/^[ \t]+|[ \t]+$/, "", s); gsub(/"/, "", s); return s }
	function flush() {
		if (sec == "backends" && it["name"] != "")
			print "B", it["name"], it["id"], it["address"], it["model"], it["provider"], (it["safety_tier"] == "" ? 0 : it["safety_tier"])
		if (sec == "models" && it["name"] != "") {
			q = it["quality"]; gsub(/[{} ]/, "", q); n = split(q, kv, ","); ts = ""
			for (i = 1; i <= n; i++) ts = ts (ts == "" ? "" : ",") kv[i]
			print "M", it["name"], it["cost"], ts
		}
		if (sec == "tenants" && it["name"] != "")
			print "T", it["name"], (it["id"] == "" ? "-" : it["id"]), (it["min_safety_tier"] == "" ? 0 : it["min_safety_tier"]), (it["max_cost"] == "" ? "-" : it["max_cost"]), (it["min_quality"] == "" ? 0 : it["min_quality"])
		delete it
	}
	/^[a-z_]+:/ { flush(); sec = $1; sub(/:.*/, "", sec); next }
	sec == "tasks" && /^  - / {
		s = $0; sub(/^  - /, "", s); sub(/[ \t]+#.*/, "", s); nm = s; id = ntask
		if (s ~ /^\{/) {
			nm = s; sub(/.*name:[ ]*/, "", nm); sub(/[,} ].*/, "", nm)
			if (s ~ /id:/) { id = s; sub(/.*id:[ ]*/, "", id); sub(/[,} ].*/, "", id) }
		}
		ntask++; print "K", nm, id; next
	}
	sec == "services" && /^  - \{/ {
		s = $0; sub(/^  - \{/, "", s); sub(/\}.*/, "", s); n = split(s, kv, ",")
		for (i = 1; i <= n; i++) { k = kv[i]; sub(/:.*/, "", k); v = kv[i]; sub(/^[^:]*:/, "", v); sv[val(k)] = val(v) }
		print "S", sv["task"], sv["vip"]; next
	}
	/^  - name:/ { flush(); s = $0; sub(/^  - name:/, "", s); it["name"] = val(s); next }
	/^    [a-z_]+:/ { k = $1; sub(/:$/, "", k); s = $0; sub(/^    [a-z_]+:/, "", s); it[k] = val(s) }
	END { flush() }
	' "$POLICY"
}
declare -A TASK_ID B_ADDR B_MODEL B_PROV B_SAFE M_COST M_TASKS T_SAFE T_COST T_QUAL VIP NAME_OF
declare -a TASKS=() BNAMES=() TENANTS=()
while read -r kind a b c d e f; do
	case $kind in
	S)
		case $b in *:*) VIP[$a/6]=$b ;; *) VIP[$a/4]=$b ;; esac
		[[ " ${TASKS[*]} " == *" $a "* ]] || TASKS+=("$a")
		;;
	B)
		BNAMES+=("$a")
		B_ADDR[$a]=$c B_MODEL[$a]=$d B_PROV[$a]=$e B_SAFE[$a]=$f
		NAME_OF[$b]=$a
		;;
	M) M_COST[$a]=$b M_TASKS[$a]=$c ;;
	K) TASK_ID[$a]=$b ;;
	T)
		[ "$a" = default ] && continue
		TENANTS+=("$a")
		T_SAFE[$a]=$c T_COST[$a]=$d T_QUAL[$a]=$e
		;;
	esac
done < <(policy_records)
if [ ${#TASKS[@]} -eq 0 ] || [ ${#BNAMES[@]} -eq 0 ] || [ ${#TENANTS[@]} -eq 0 ]; then
	fail "could not read tasks, backends and tenants from $POLICY"
fi

# awk: h(hex string) -> number (mawk has no strtonum)
HEX='function h(x,  i, n) { n = 0; x = tolower(x); for (i = 1; i <= length(x); i++) n = n * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1; return n }'
quality_of() { # model task
	echo ",${M_TASKS[$1]}," | sed -n "s/.*,$2:\([^,]*\),.*/\1/p"
}
fam_of() { case $1 in *:*) echo 6 ;; *) echo 4 ;; esac; }
# server name of a policy backend: the per-family twin "x-v6" is server "x"
server_of() { echo "${1%-v6}"; }

# Why backend $1 may not serve tenant $2's task $3 (empty: it may).
excl_reason() {
	local b=$1 t=$2 k=$3 m
	m=${B_MODEL[$b]}
	[[ ",${M_TASKS[$m]}," == *",$k:"* ]] || {
		echo "$m does not serve $k"
		return
	}
	if [ "${B_SAFE[$b]}" -lt "${T_SAFE[$t]}" ]; then
		echo "safety tier ${B_SAFE[$b]} < ${T_SAFE[$t]}"
		return
	fi
	if [ "${T_COST[$t]}" != - ] && awk "BEGIN {exit !(${M_COST[$m]} > ${T_COST[$t]})}"; then
		echo "cost ${M_COST[$m]} > max ${T_COST[$t]}"
		return
	fi
	if awk "BEGIN {exit !($(quality_of "$m" "$k") < ${T_QUAL[$t]})}"; then
		echo "quality $(quality_of "$m" "$k") < ${T_QUAL[$t]}"
		return
	fi
	return 0
}
# Allowed servers of a class, and the excluded ones grouped by reason.
allowed_servers() { # tenant task fam
	local b
	for b in "${BNAMES[@]}"; do
		[ "$(fam_of "${B_ADDR[$b]}")" = "$3" ] || continue
		if [ -z "$(excl_reason "$b" "$1" "$2")" ]; then server_of "$b"; fi
	done | sort -u | paste -sd' '
}
why_excluded() { # tenant task: "fastcloud (qwen2.5-7b): safety tier 2 < 3; ..."
	local b r
	for b in "${BNAMES[@]}"; do
		[ "$(fam_of "${B_ADDR[$b]}")" = 4 ] || continue
		r=$(excl_reason "$b" "$1" "$2")
		if [ -n "$r" ]; then echo "${B_PROV[$b]} ($r)"; fi
	done | sort -u | paste -sd',' | sed 's/,/, /g'
}

have_steerctl() { [ -x "$STEERCTL" ] && [ -S "${SOCK:-/nonexistent}" ]; }
# steerctl policy show TENANT TASK, the IPv4 class only, signals trimmed
class_show() {
	"$STEERCTL" -s "$SOCK" policy show "$1" "$2" 2>/dev/null |
		awk '/ ipv4:/ {p = 1} / ipv6:/ {p = 0} p && NF' |
		sed -E 's/, (kv|latency|flows) [^,]*//g' || true
}

# ---- 1. testbed ----
section "Testbed: namespaces, veth links, mock inference backends"
"$TESTBED" up --id "$ID" --backends 4 2>&1 | sed 's/^/  /'
# shellcheck disable=SC1090
. "/run/steer-testbed-$ID/testbed.env"
"$TESTBED" status --id "$ID" | sed -n '/backends:/,/^  xdp/p' | sed 's/^/  /'
note "  clients: acme $TB_CLI_ACME_V4 / $TB_CLI_ACME_V6, beta $TB_CLI_BETA_V4 / $TB_CLI_BETA_V6 (namespaces $TB_NS_CLI_ACME, $TB_NS_CLI_BETA)"
note "  gateway: $TB_NS_GW, XDP on $TB_XDP_IFS, TC on $TB_TC_IFS; pin root $TB_PIN"

# ---- 2. policy and steerd ----
section "Policy ${POLICY#"$TOP"/} and steerd"
printf '  %-13s %-10s %-14s %-6s %-5s %s\n' backend provider model safety cost address
for b in "${BNAMES[@]}"; do
	printf '  %-13s %-10s %-14s %-6s %-5s %s\n' "${b}" "${B_PROV[$b]}" "${B_MODEL[$b]}" \
		"${B_SAFE[$b]}" "${M_COST[${B_MODEL[$b]}]}" "${B_ADDR[$b]}"
done | awk '!/-v6 /' # one line per server; each also has an IPv6 twin "-v6"
for t in "${TENANTS[@]}"; do
	printf '  tenant %-5s min safety tier %s, max cost %s\n' "$t" "${T_SAFE[$t]}" "${T_COST[$t]}"
done
for k in "${TASKS[@]}"; do
	printf '  task %-10s VIP %s:80 and [%s]:80\n' "$k" "${VIP[$k/4]}" "${VIP[$k/6]}"
done
"$STEERD" --check --config "$POLICY" | sed 's/^/  /'
STEERD_LOG=$TB_DIR/steerd.log
XDP_ARGS=()
SOCK=$TB_DIR/steerd.sock
# a control socket of this run's own (steerctl -s), if steerd has one
if "$STEERD" --help 2>&1 | grep -q -- '--socket'; then XDP_ARGS+=(--socket "$SOCK"); fi
for i in $TB_XDP_IFS; do XDP_ARGS+=(--xdp "$i"); done
for i in $TB_TC_IFS; do XDP_ARGS+=(--tc "$i"); done
ip netns exec "$TB_NS_GW" "$STEERD" --foreground --pin-root "$TB_PIN" --config "$POLICY" \
	"${XDP_ARGS[@]}" >"$STEERD_LOG" 2>&1 </dev/null &
echo $! >"$TB_DIR/steerd.pid"
note "  steerd --foreground --pin-root $TB_PIN --config ${POLICY#"$TOP"/} ${XDP_ARGS[*]}"
published=0
for _ in $(seq 50); do
	grep -q 'published:' "$STEERD_LOG" && published=1 && break
	kill -0 "$(cat "$TB_DIR/steerd.pid")" 2>/dev/null || break
	sleep 0.1
done
[ "$published" -eq 1 ] || {
	cat "$STEERD_LOG" >&2
	fail "steerd did not publish"
}
# let a probe round or two see every backend healthy
sleep 0.5
grep -E 'attached|published' "$STEERD_LOG" | head -7 | sed 's/^[^ ]* [a-z]* */  steerd: /'

# ---- 3. streaming requests ----
RES=$TB_DIR/results
: >"$RES"
# One streaming chat completion: tenant fam task max_tokens tag.
# Appends "tenant task fam backend status tokens seconds tag" to $RES.
ask() {
	local t=$1 f=$2 k=$3 n=$4 tag=$5 nsv vip url o be st tok tm
	nsv=TB_NS_CLI_${t^^}
	vip=${VIP[$k/$f]}
	[ "$f" = 6 ] && url="http://[$vip]/v1/chat/completions" || url="http://$vip/v1/chat/completions"
	o=$(mktemp "$TB_DIR/req.XXXXXX")
	tm=$(ip netns exec "${!nsv}" curl -sN -m 20 -D "$o.h" -o "$o" -w '%{time_total}' \
		-H 'Content-Type: application/json' \
		-d "{\"model\":\"auto\",\"stream\":true,\"max_tokens\":$n,\"messages\":[{\"role\":\"user\",\"content\":\"$k request from $t\"}]}" \
		"$url" 2>/dev/null) || tm=-
	be=$(tr -d '\r' <"$o.h" 2>/dev/null | sed -n 's/^[Xx]-[Bb]ackend: //p' | head -1)
	tok=$(grep -c '"delta":{"content"' "$o" 2>/dev/null || true)
	if grep -q '^data: \[DONE\]' "$o" 2>/dev/null && grep -q '"finish_reason":"length"' "$o"; then
		st=ok
	else
		st=broken
	fi
	[ -n "$be" ] || be=none
	echo "$t $k $f $be $st ${tok:-0} $tm $tag" >>"$RES"
	if [ "$tag" = sample ]; then mv "$o" "$TB_DIR/sample.sse"; else rm -f "$o"; fi
	rm -f "$o.h"
}

section "Streaming chat completions through the VIPs (curl -N, \"stream\": true)"
R=3
pids=()
for t in "${TENANTS[@]}"; do
	for f in 4 6; do
		(
			first=sample
			for k in "${TASKS[@]}"; do
				for _ in $(seq "$R"); do
					tag=route
					[ "$t/$f" = "${TENANTS[0]}/4" ] && [ "$first" = sample ] && tag=sample
					first=no
					ask "$t" "$f" "$k" 6 "$tag"
				done
			done
		) &
		pids+=($!)
	done
done
for p in "${pids[@]}"; do wait "$p" || true; done
note "  e.g. from ${TENANTS[0]} (ip netns exec $TB_NS_CLI_ACME):"
note "  curl -N http://${VIP[${TASKS[0]}/4]}/v1/chat/completions -d '{\"stream\":true,\"max_tokens\":6,...}'"
if [ -f "$TB_DIR/sample.sse" ]; then
	grep '^data:' "$TB_DIR/sample.sse" | sed -n '1p;2p;$p' |
		sed -E 's/"id":"[^"]*","object":"[^"]*","created":[0-9]+,//' | cut -c1-120 | sed 's/^/    /'
fi
echo
printf '  %s%-6s %-10s %-5s %-4s %-34s %s%s\n' "$B" tenant task IP ok "served by (X-Backend: count)" "allowed by policy" "$N"
viol=0
for t in "${TENANTS[@]}"; do
	for k in "${TASKS[@]}"; do
		for f in 4 6; do
			got=$(awk -v t="$t" -v k="$k" -v f="$f" '$1 == t && $2 == k && $3 == f && $8 != "load" {c[$4]++} END {for (b in c) printf "%s:%d ", b, c[b]}' "$RES" |
				tr ' ' '\n' | sort | paste -sd' ')
			okn=$(awk -v t="$t" -v k="$k" -v f="$f" '$1 == t && $2 == k && $3 == f && $5 == "ok"' "$RES" | wc -l)
			allowed=$(allowed_servers "$t" "$k" "$f")
			mark=""
			for g in $got; do
				[[ " $allowed " == *" ${g%%:*} "* ]] || {
					mark=" ${R}VIOLATION${N}"
					viol=$((viol + 1))
				}
			done
			printf '  %-6s %-10s v%-4s %-4s %-34s %s%s\n' "$t" "$k" "$f" "$okn/$R" "$got" "$allowed" "$mark"
		done
	done
done
echo
echo "  ${B}why${N} (hard constraints, never traded for load or cost):"
for t in "${TENANTS[@]}"; do
	c="min safety tier ${T_SAFE[$t]}"
	[ "${T_COST[$t]}" != - ] && c="$c, max cost ${T_COST[$t]}"
	printf '  %-6s %-36s excludes %s\n' "$t" "($c)" "$(why_excluded "$t" "${TASKS[0]}")"
done
# steerd's own account, when steerctl is built: one class per tenant
if have_steerctl; then
	echo
	echo "  ${B}steerctl policy show TENANT ${TASKS[0]}${N} (steerd's decision; + in the set, - excluded with the reason):"
	for t in "${TENANTS[@]}"; do
		class_show "$t" "${TASKS[0]}" | sed 's/^/  /'
	done
fi
answered=$(awk '$5 == "ok"' "$RES" | wc -l)
total=$(wc -l <"$RES")
# the backends' own logs: which tenant's addresses each server saw
echo
echo "  ${B}backend request logs${N} (mockllm --log; tenant from the client address):"
for i in $(seq "$TB_BACKENDS"); do
	nm=TB_BE${i}_NAME
	lg=TB_BE${i}_LOG
	printf '  %-12s %s\n' "${!nm}" "$(awk '/path=\/v1\/chat/ {
		t = "other"
		if ($2 ~ /^peer=(198\.18\.1\.|\[fd00:1::)/) t = "acme"
		if ($2 ~ /^peer=(198\.18\.5\.|\[fd00:5::)/) t = "beta"
		c[t]++ } END {for (t in c) printf "%s=%d ", t, c[t]}' "${!lg}" 2>/dev/null)"
done
if [ "$viol" -eq 0 ]; then
	echo "  ${G}$answered/$total streams complete ([DONE], finish_reason), 0 constraint violations${N}"
else
	echo "  ${R}$answered/$total streams complete, $viol constraint violations${N}"
fi
[ "$answered" -gt 0 ] || fail "no request was answered"

# ---- 4. bpftool ----
# "id name new_flows packets bytes reply_packets reply_bytes active" per backend
backend_stats() {
	bpftool map dump pinned "$TB_PIN/backend_stats" | awk '
		/"key":/ { k = $2; sub(/,/, "", k) }
		/"(packets|bytes|reply_packets|reply_bytes|new_flows|closed_flows)":/ {
			f = $1; gsub(/[":]/, "", f); v = $2; sub(/,/, "", v); s[k, f] += v; seen[k] = 1 }
		END { for (k in seen) if (s[k, "packets"] + s[k, "new_flows"] > 0)
			print k, s[k, "new_flows"], s[k, "packets"], s[k, "bytes"], s[k, "reply_packets"],
				s[k, "reply_bytes"], s[k, "new_flows"] - s[k, "closed_flows"] }' | sort -n
}
print_stats() {
	printf '  %s%-4s %-15s %9s %8s %9s %11s %11s %7s%s\n' "$B" id backend new_flows packets bytes reply_pkts reply_bytes active "$N"
	backend_stats | while read -r id nf pk by rp rb ac; do
		printf '  %-4s %-15s %9s %8s %9s %11s %11s %7s\n' "$id" "${NAME_OF[$id]:-?}" "$nf" "$pk" "$by" "$rp" "$rb" "$ac"
	done
}
section "Per-backend counters in the kernel (bpftool map dump pinned \$PIN/backend_stats)"
note "  per-CPU values summed; raw: bpftool map dump pinned $TB_PIN/backend_stats"
print_stats

# ---- 5. slow one backend ----
# the class to watch: the first tenant, first task, IPv4; its two allowed servers
T0=${TENANTS[0]}
K0=${TASKS[0]}
read -r SLOW FAST _ <<<"$(allowed_servers "$T0" "$K0" 4)"
[ -n "${FAST:-}" ] || fail "class $T0/$K0 has fewer than two servers: nothing to shift"
SLOW_ADDR=${B_ADDR[$SLOW]}
tid=$(awk '$2 == "'"$T0"'" {print $3}' < <(policy_records))

# Maglev slots of class (tenant T0, task K0, IPv4) per backend, from the maps
slots_of_class() {
	local tab inner
	tab=$(bpftool map dump pinned "$TB_PIN/classes" | awk -v t="$tid" -v k="${TASK_ID[$K0]:-0}" '
		/"tenant":/ { tt = $2; sub(/,/, "", tt) } /"task":/ { kk = $2; sub(/,/, "", kk) }
		/"family":/ { ff = $2; sub(/,/, "", ff) }
		/"table_id":/ { v = $2; sub(/,/, "", v); if (tt == t && kk == k && ff == 4) print v }')
	[ -n "$tab" ] || return 0
	# "key: 01 00 00 00  value: 1c 52 00 00": the inner map's id, little endian
	inner=$(bpftool map lookup pinned "$TB_PIN/tables" key "$tab" 0 0 0 | awk "$HEX"'
		/value:/ { print h($10 $9 $8 $7) }')
	[ -n "$inner" ] || return 0
	bpftool map dump id "$inner" | awk "$HEX"'/value:/ {c[h($8 $7)]++}
		END {for (b in c) print b, c[b]}' | sort -n |
		while read -r b c; do printf '%s=%s ' "${NAME_OF[$b]:-id$b}" "$c"; done
}
metrics_of() { # server address: running/waiting from its /metrics (Chitu: /load_status)
	local lo
	lo=$(ip netns exec "$TB_NS_GW" curl -sf -m 2 -X POST "http://$1:8000/load_status" |
		jq -r 'select(.handle_reqs != null) |
			"running+waiting=\(.handle_reqs) limit=\(.max_concurrent_requests)"' 2>/dev/null) &&
		[ -n "$lo" ] && { printf '%s' "$lo"; return; }
	ip netns exec "$TB_NS_GW" curl -s -m 2 "http://$1:8000/metrics" |
		awk '/^(vllm:num_requests_running|sglang:num_running_reqs)/ {r = $NF}
		     /^(vllm:num_requests_waiting|sglang:num_queue_reqs)/ {w = $NF}
		     END {printf "running=%s waiting=%s", r, w}'
}
# N sequential short streams of T0/K0/IPv4; prints "SLOW=a FAST=b, max time"
burst() {
	local tag=$1 n=$2
	for _ in $(seq "$n"); do ask "$T0" 4 "$K0" 4 "$tag"; done
	awk -v tag="$tag" -v s="$SLOW" -v f="$FAST" '$8 == tag {c[$4]++; if ($7 > m) m = $7; n++; if ($5 == "ok") ok++}
		END {printf "%-12s %2d   %-12s %2d   other %d   ok %d/%d   slowest %.2f s", s, c[s], f, c[f], n - c[s] - c[f], ok, n, m}' "$RES"
}

section "Slow down $SLOW, load it, watch new connections move"
echo "  class $T0/$K0 (IPv4), Maglev slots: $(slots_of_class)"
echo "  before:  $(burst before 12)"
ip netns exec "$TB_NS_GW" curl -s -m 2 -o /dev/null "http://$SLOW_ADDR:8000/admin/config" \
	-d '{"ttft_ms":2500,"tps":4}'
note "  POST http://$SLOW_ADDR:8000/admin/config {\"ttft_ms\":2500,\"tps\":4}   ($SLOW now answers ~20x slower)"
# load: concurrent long streams; those hashed to SLOW pile up there
LOADERS=()
for _ in $(seq 10); do
	ask "$T0" 4 "$K0" 4 load &
	LOADERS+=($!)
done
sleep 1
echo "  load: 10 concurrent streams from $T0; $SLOW /metrics: $(metrics_of "$SLOW_ADDR"), $FAST: $(metrics_of "${B_ADDR[$FAST]}")"
echo "  class $T0/$K0 (IPv4), Maglev slots: $(slots_of_class)"
if have_steerctl; then class_show "$T0" "$K0" | sed 's/^/    /'; fi
echo "  after:   $(burst after 12)"
for p in "${LOADERS[@]}"; do wait "$p" || true; done
echo "  load:    $(awk -v s="$SLOW" -v f="$FAST" '$8 == "load" {c[$4]++; if ($7 > m[$4]) m[$4] = $7; n++; if ($5 == "ok") ok++}
	END {printf "%-12s %2d   %-12s %2d   ok %d/%d   slowest %.2f s on %s, %.2f s on %s", s, c[s], f, c[f], ok, n, m[s], s, m[f], f}' "$RES")"
note "  the load streams already on $SLOW stayed there to their end ([DONE]): a connection keeps its backend"
restore='{}'
for i in $(seq "$TB_BACKENDS"); do
	nm=TB_BE${i}_NAME ttft=TB_BE${i}_TTFT_MS tps=TB_BE${i}_TPS
	[ "${!nm}" = "$SLOW" ] && restore="{\"ttft_ms\":${!ttft},\"tps\":${!tps}}"
done
ip netns exec "$TB_NS_GW" curl -s -m 2 -o /dev/null "http://$SLOW_ADDR:8000/admin/config" -d "$restore"
sleep 0.6
echo "  $SLOW back to normal and idle: Maglev slots $(slots_of_class)"
if have_steerctl && class_show "$T0" "$K0" | grep -Eq -- "- $SLOW +slow"; then
	note "  $SLOW stays set aside as slow: its last time to first token stands until ttft_memory_ms (30 s) passes with no request to measure it anew (docs/policy.md)"
fi

section "Per-backend counters at the end"
print_stats

after_slow=$(awk -v s="$SLOW" '$8 == "after" && $4 == s' "$RES" | wc -l)
after_n=$(awk '$8 == "after"' "$RES" | wc -l)
echo
if [ "$after_slow" -le $((after_n / 4)) ]; then
	echo "${G}${B}demo ok${N} in ${SECONDS}s: $answered/$total routed streams, 0 violations; while $SLOW was slow and loaded it got $after_slow of $after_n new connections"
else
	echo "${R}demo: $SLOW still got $after_slow of $after_n new connections while saturated${N}"
	tail -5 "$STEERD_LOG"
fi
[ "$viol" -eq 0 ] || exit 1
