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
# the build to test (make test-asan: .output/san)
STEER_OUT=${STEER_OUT:-$STEER_TOP/.output}
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

# star_topo N [ADDR...]: one client, a gateway and N IPv4 backends.
#   cli eth0 198.18.1.2/24 (+ ADDRs) -- cli0 [gw] be$i -- eth0 be$i 198.18.$((i+1)).2/24
# The client routes the VIPs (198.18.100.0/24) via the gateway, each backend
# routes the client subnet back; TX offload off and GRO on where XDP/TC
# redirect into a veth (docs/design.md, "Kernel facts the code relies on").
star_topo() {
	local n=$1 i
	shift
	ns_add cli gw $(seq -f 'be%g' 1 "$n")
	veth cli eth0 gw cli0
	addr cli eth0 198.18.1.2/24 "$@"
	addr gw cli0 198.18.1.1/24
	nsx cli ip route add 198.18.100.0/24 via 198.18.1.1
	for i in $(seq 1 "$n"); do
		veth gw "be$i" "be$i" eth0
		addr gw "be$i" "198.18.$((i + 1)).1/24"
		addr "be$i" eth0 "198.18.$((i + 1)).2/24"
		nsx "be$i" ip route add 198.18.1.0/24 via "198.18.$((i + 1)).1"
		nsx "be$i" ethtool -K eth0 gro on >/dev/null
	done
	gw_sysctls gw
	nsx cli ethtool -K eth0 tx off gro on >/dev/null
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

# ---------------------------------------------------------------------------
# LLM testbed: two tenants, one gateway running steerd, mockllm backends.
# Used by routing.sh, safety.sh, sticky.sh, drain.sh, failure.sh, openai.sh.
#
#   ta eth0 ──── ta [gw: steerd] be1 ──── eth0 be1 (mockllm)    ...  beN
#   tb eth0 ──── tb
#
#   tenant A (ns ta): 198.18.1.0/25,  fd00:1::/112   (safety >= 3, region eu,
#                     min quality 0.65, priority 10)
#   tenant B (ns tb): 198.18.2.0/25,  fd00:2::/112   (max cost 1, priority 1)
#   sources: .2 / ::2 send task chat, .3 / ::3 send task code, so the
#   backends' logs (peer=) tell tenant and task apart; 198.18.1.200 and
#   fd00:1::1:2 match no tenant (default tenant: safety 100,
#   nothing qualifies, reject).
#   services: chat 198.18.100.1:80 [fd00:100::1]:80, code 198.18.100.2:80
#   [fd00:100::2]:80; backend i: 198.18.(10+i).2 / fd00:(10+i)::2 port 8000,
#   in the policy as "be<i>" (IPv4, id i) and "be<i>-6" (IPv6, id 100+i),
#   both served by one mockllm named be<i> (its X-Backend).
#
#   fleet     model  safety region    models: big   cost 5,   chat .9 code .8
#   be1       big    3      eu                small cost 0.5, chat .6 code .7
#   be2       big    1      us
#   be3       small  3      eu        A chat: be1       A code: be1 be3 be6
#   be4       small  1      us        B chat/code: be3 be4 be5 be6
#   be5       small  2      eu
#   be6       small  3      eu
#
#   llm_topo N              namespaces ta tb gw be1..beN, links, addresses
#   mock_start I ARGS...    mockllm in beI (log $RUN_DIR/beI.req); MOCK_PID[I]
#   llm_policy              write $POLICY from LLM_* (below; LLM_SETTINGS: more
#                           "key: value" lines under settings:)
#   steerd_start            steerd in gw on $POLICY (STEERD_ARGS: more options);
#                           STEERD_PID
#   steerd_wait             until every backend in the policy is up and all
#                           tenant classes have a table
#   be_allowed T TASK I     0 if backend I may serve tenant T (a|b) task TASK,
#                           from the fleet table above (independent of steerd)
#   src T TASK FAM          client source address for tenant/task/family (4|6)
#   vip TASK FAM            URL host of the service
#   ask T TASK FAM N [P]    N chat completions on N new connections, P in
#                           parallel; prints one line per request: backend
#                           name, or "-" when it failed
#   stream_start T TASK FAM FILE TOKENS   a streaming request in the background
#                           (curl -N), its pid appended to STREAM_PIDS
#   stream_ok FILE TOKENS   0 if the stream ended with finish_reason "length",
#                           [DONE] and exactly TOKENS tokens
#   peer_class LOGLINE      "a chat", "b code", ... or "?" from a log line's peer
#   wait_for TENTHS CMD...  poll CMD every 0.1 s
#   gw_ctl ARGS...          steerctl on steerd_start's socket, in the gateway
#   b_chat_ready ID...      backends ID... active and tenant b's IPv4 chat
#                           class steering (explain names a backend)
#   ms_now                  milliseconds since the epoch
# ---------------------------------------------------------------------------
MOCKLLM=${STEER_MOCKLLM:-$STEER_OUT/mockllm}
STEERD=${STEER_STEERD:-$STEER_OUT/steerd}
LLM_INTERVAL_MS=${LLM_INTERVAL_MS:-300}
LLM_TIMEOUT_MS=${LLM_TIMEOUT_MS:-200}
LLM_NB=0
LLM_BACKENDS="1 2 3 4 5"	# backends in the policy
LLM_OBJECTIVE="{quality: 1.0, cost: 0.5, load: 0.5, margin: 0.1, latency: 0.2}"
LLM_CAPACITY=4			# per backend, in the policy
LLM_SETTINGS=()			# more "key: value" lines under settings:
STEERD_ARGS=()			# more steerd options for steerd_start
declare -A LLM_STATE=()		# backend index -> active|draining|down
declare -A LLM_WEIGHT=()	# backend index -> capacity override
declare -A MOCK_PID=()
STREAM_PIDS=()
STEERD_PID=""
POLICY=""
BE_MODEL=(- big big small small small small)
BE_SAFETY=(- 3 1 3 1 2 3)
BE_REGION=(- eu us eu us eu eu)
BE_COST=(- 5 5 0.5 0.5 0.5 0.5)

ms_now() { echo $(($(date +%s%N) / 1000000)); }

wait_for() {
	local n=$1
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

llm_topo() {
	local nb=$1 i c t
	LLM_NB=$nb
	for t in "$MOCKLLM" "$STEERD"; do
		[ -x "$t" ] || die "missing $t (run make first)"
	done
	ns_add ta tb gw
	for i in $(seq "$nb"); do ns_add "be$i"; done
	veth ta eth0 gw ta
	veth tb eth0 gw tb
	addr ta eth0 198.18.1.2/24 198.18.1.3/24 198.18.1.200/24 \
		fd00:1::2/64 fd00:1::3/64 fd00:1::1:2/64
	addr tb eth0 198.18.2.2/24 198.18.2.3/24 fd00:2::2/64 fd00:2::3/64
	addr gw ta 198.18.1.1/24 fd00:1::1/64
	addr gw tb 198.18.2.1/24 fd00:2::1/64
	# clients that don't pick a source (curl without --interface, node)
	# send from .2 / ::2: the "chat" host of their tenant
	nsx ta ip route add 198.18.100.0/24 via 198.18.1.1 src 198.18.1.2
	nsx tb ip route add 198.18.100.0/24 via 198.18.2.1 src 198.18.2.2
	nsx ta ip -6 route add fd00:100::/64 via fd00:1::1 src fd00:1::2
	nsx tb ip -6 route add fd00:100::/64 via fd00:2::1 src fd00:2::2
	for c in ta tb; do
		nsx $c ethtool -K eth0 tx off >/dev/null
		nsx $c ethtool -K eth0 gro on >/dev/null
	done
	for i in $(seq "$nb"); do
		veth gw "be$i" "be$i" eth0
		addr gw "be$i" "198.18.$((10 + i)).1/24" "fd00:$((10 + i))::1/64"
		addr "be$i" eth0 "198.18.$((10 + i)).2/24" "fd00:$((10 + i))::2/64"
		nsx "be$i" ip route add 198.18.0.0/16 via "198.18.$((10 + i)).1"
		nsx "be$i" ip -6 route add fd00::/8 via "fd00:$((10 + i))::1"
		nsx "be$i" ethtool -K eth0 gro on >/dev/null
	done
	gw_sysctls gw
	POLICY=$RUN_DIR/policy.yaml
}

mock_start() {
	local i=$1
	shift
	bg "be$i" "$RUN_DIR/be$i.out" "$MOCKLLM" --listen "198.18.$((10 + i)).2:8000" \
		--listen "[fd00:$((10 + i))::2]:8000" --name "be$i" --model "${BE_MODEL[$i]}" \
		--log "$RUN_DIR/be$i.req" "$@"
	# shellcheck disable=SC2034 # used by the tests
	MOCK_PID[$i]=${STEER_PIDS[-1]}
	wait_listen "be$i" 8000 || die "mockllm be$i not listening: $(cat "$RUN_DIR/be$i.out")"
}

llm_policy() {
	local i fam a id sfx extra="" kv
	for kv in "${LLM_SETTINGS[@]}"; do extra+=$'\n'"  $kv"; done
	cat >"$POLICY.tmp" <<EOT
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings:
  probe_interval_ms: $LLM_INTERVAL_MS
  probe_timeout_ms: $LLM_TIMEOUT_MS
  staleness_ms: $((5 * LLM_INTERVAL_MS))
  health_rise: 1
  health_fall: 2
  maglev_size: 251
  hash_seed: 0x5eed$extra
objective: $LLM_OBJECTIVE
tasks: [chat, code]
models:
  - {name: big, cost: 5, quality: {chat: 0.9, code: 0.8}}
  - {name: small, cost: 0.5, quality: {chat: 0.6, code: 0.7}}
services:
  - {name: chat4, vip: 198.18.100.1, port: 80, task: chat}
  - {name: code4, vip: 198.18.100.2, port: 80, task: code}
  - {name: chat6, vip: "fd00:100::1", port: 80, task: chat}
  - {name: code6, vip: "fd00:100::2", port: 80, task: code}
backends:
EOT
	for i in $LLM_BACKENDS; do
		for fam in 4 6; do
			if [ $fam = 4 ]; then
				a=198.18.$((10 + i)).2 id=$i sfx=""
			else
				a="\"fd00:$((10 + i))::2\"" id=$((100 + i)) sfx=-6
			fi
			# BE_ENGINE[i]: vllm (default), sglang or chitu, as the mock was
			# started (--engine); LLM_WEIGHT[i]=none: no capacity (chitu's limit)
			local u="http://198.18.$((10 + i)).2:8000" cap="" probe
			[ "${LLM_WEIGHT[$i]:-}" = none ] || cap="capacity: ${LLM_WEIGHT[$i]:-$LLM_CAPACITY}, "
			case ${BE_ENGINE[$i]:-vllm} in
			chitu) probe="health_url: \"$u/server_status\", metrics_url: \"$u/load_status\", metrics: chitu" ;;
			sglang) probe="health_url: \"$u/health\", metrics_url: \"$u/metrics\", metrics: sglang" ;;
			*) probe="health_url: \"$u/health\", metrics_url: \"$u/metrics\"" ;;
			esac
			cat >>"$POLICY.tmp" <<EOT
  - {name: be$i$sfx, id: $id, address: $a, port: 8000, model: ${BE_MODEL[$i]}, provider: p$i, region: ${BE_REGION[$i]}, safety_tier: ${BE_SAFETY[$i]}, $cap$probe, state: ${LLM_STATE[$i]:-active}}
EOT
		done
	done
	cat >>"$POLICY.tmp" <<EOT
tenants:
  - {name: default, min_safety_tier: 100, action: reject}   # unknown sources: nothing qualifies
  - {name: a, id: 1, prefixes: [198.18.1.0/25, "fd00:1::/112"], min_safety_tier: 3, regions: [eu], min_quality: 0.65, priority: 10}
  - {name: b, id: 2, prefixes: [198.18.2.0/25, "fd00:2::/112"], max_cost: 1, priority: 1}
EOT
	mv "$POLICY.tmp" "$POLICY"
}

# steerd's own options for a test instance: its control socket and state
# file in the run directory (the defaults are shared by every steerd on the
# host: /run/steer, /var/lib/steer)
steerd_opts() {
	if "$STEERD" --help 2>&1 | grep -q -- '--socket'; then
		echo --socket "$RUN_DIR/steerd.sock" --state "$RUN_DIR/state.json"
	fi
}

steerd_start() {
	local i tcs=()
	for i in $(seq "$LLM_NB"); do tcs+=(--tc "be$i"); done
	# shellcheck disable=SC2046
	bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --log-level debug $(steerd_opts) \
		--pin-root "$PIN" --config "$POLICY" --xdp ta --xdp tb "${tcs[@]}" "${STEERD_ARGS[@]}"
	# shellcheck disable=SC2034 # used by the tests
	STEERD_PID=${STEER_PIDS[-1]}
}

# backends map: state of id $1 (1 active, 2 draining, 3 down)
be_state() {
	bpftool -j map lookup pinned "$PIN/backends" key $(($1 & 255)) $(($1 >> 8)) 0 0 \
		2>/dev/null | grep -o '"state": *[0-9]*' | grep -o '[0-9]*$'
}

# be_states_are STATE ID...: every id has STATE in the backends map
be_states_are() {
	local want=$1 id
	shift
	for id in "$@"; do
		[ "$(be_state "$id")" = "$want" ] || return 1
	done
}

gw_ctl() {
	timeout 20 ip netns exec "$(ns gw)" "$STEER_OUT/steerctl" -s "$RUN_DIR/steerd.sock" "$@"
}

b_chat_ready() {
	be_states_are 1 "$@" &&
		gw_ctl -j explain "$(src b chat 4):20000" "$(vip chat 4):80" tcp 2>/dev/null |
		jq -e '.backend.name' >/dev/null
}

llm_ready() {
	local i n
	for i in $LLM_BACKENDS; do
		[ "${LLM_STATE[$i]:-active}" = active ] || continue
		[ "$(be_state "$i")" = 1 ] || return 1
		[ "$(be_state $((100 + i)))" = 1 ] || return 1
	done
	# tenants a and b, two tasks, two families: 8 classes with a table
	n=$(bpftool -j map dump pinned "$PIN/classes" 2>/dev/null |
		grep -o '"table_id": *[1-9][0-9]*' | wc -l)
	[ "$n" -ge 8 ]
}

steerd_wait() {
	local i st=""
	if ! wait_for 100 llm_ready; then
		# a backend with no entry yet prints "?" (be_state fails under set -e)
		for i in $LLM_BACKENDS; do
			st+=" be$i=$(be_state "$i" || echo '?')/$(be_state $((100 + i)) || echo '?')"
		done
		die "steerd not ready: backend states$st; classes with a table: $(bpftool -j map dump pinned "$PIN/classes" 2>/dev/null |
			grep -c '"table_id": *[1-9][0-9]*' || true); steerd log: $(grep -v debug "$RUN_DIR/steerd.log" | tail -20)"
	fi
	# one more probe round so the first load signals are in
	sleep "$(awk "BEGIN {print $LLM_INTERVAL_MS / 1000}")"
}

be_allowed() { # tenant a|b, task, backend index
	local t=$1 task=$2 i=$3 q
	case ${BE_MODEL[$i]}:$task in
	big:chat) q=90 ;; big:code) q=80 ;; small:chat) q=60 ;; small:code) q=70 ;;
	esac
	if [ "$t" = a ]; then
		[ "${BE_SAFETY[$i]}" -ge 3 ] && [ "${BE_REGION[$i]}" = eu ] && [ "$q" -ge 65 ]
	else
		awk "BEGIN {exit !(${BE_COST[$i]} <= 1)}"
	fi
}

src() { # tenant, task, family
	local n=${1/a/1}
	n=${n/b/2}
	local h=2
	[ "$2" = code ] && h=3
	if [ "$3" = 4 ]; then echo "198.18.$n.$h"; else echo "fd00:$n::$h"; fi
}

vip() { # task, family
	local h=1
	[ "$1" = code ] && h=2
	if [ "$2" = 4 ]; then echo "198.18.100.$h"; else echo "[fd00:100::$h]"; fi
}

ask() { # tenant, task, family, count, [parallel]
	local t=$1 task=$2 fam=$3 n=$4 par=${5:-1} url args=()
	url="http://$(vip "$task" "$fam")/v1/chat/completions"
	for _ in $(seq "$n"); do args+=(-o /dev/null "$url"); done
	nsx "t$t" curl -g -s -Z --parallel-max "$par" -m 20 --connect-timeout 3 \
		--interface "$(src "$t" "$task" "$fam")" -H 'Connection: close' \
		-H 'Content-Type: application/json' \
		-d '{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1}' \
		-w '%{http_code} %header{x-backend}\n' "${args[@]}" 2>/dev/null |
		awk '$1 == 200 && $2 != "" {print $2; next} {print "-"}' || true
}

stream_start() { # tenant, task, family, file, tokens
	local t=$1 task=$2 fam=$3 f=$4 tok=$5
	(
		trap - ERR
		nsx "t$t" curl -g -s -N -m 60 --interface "$(src "$t" "$task" "$fam")" \
			-H 'Content-Type: application/json' \
			-d "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"long\"}],\"max_tokens\":$tok}" \
			"http://$(vip "$task" "$fam")/v1/chat/completions" >"$f" 2>&1 || true
	) &
	STEER_PIDS+=($!)
	STREAM_PIDS+=($!)
}

stream_ok() { # file, tokens
	[ "$(grep -c '"delta":{[^}]*"content":"tok' "$1")" = "$2" ] &&
		grep -q '"finish_reason":"length"' "$1" &&
		[ "$(tr -d '\r' <"$1" | grep -v '^$' | tail -1)" = "data: [DONE]" ]
}

# Backend of a stream file (from the first chunk)
stream_backend() { grep -o '"backend":"be[0-9]*"' "$1" | head -1 | grep -o 'be[0-9]*'; }

peer_class() { # a mockllm log line
	case $1 in
	*" peer=198.18.1.2:"* | *" peer=[fd00:1::2]:"*) echo "a chat" ;;
	*" peer=198.18.1.3:"* | *" peer=[fd00:1::3]:"*) echo "a code" ;;
	*" peer=198.18.2.2:"* | *" peer=[fd00:2::2]:"*) echo "b chat" ;;
	*" peer=198.18.2.3:"* | *" peer=[fd00:2::3]:"*) echo "b code" ;;
	*) echo "?" ;;
	esac
}

# Non-zero XDP (TC) reason counters (summed over CPUs): "code=packets ..."
xdp_reasons() { reasons_in xdp_reasons; }
tc_reasons() { reasons_in tc_reasons; }
reasons_in() {
	bpftool -j map dump pinned "$PIN/$1" 2>/dev/null | python3 -c '
import json, sys
out = []
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    k = f["key"]
    n = sum(v["value"]["packets"] for v in f["values"])
    if n:
        out.append("%d=%d" % (k, n))
print(" ".join(out))' 2>/dev/null || true
}
