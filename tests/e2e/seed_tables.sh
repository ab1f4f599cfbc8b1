#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Gateways of one policy hold byte-identical tables however each came to it
# (docs/design.md, "Publish order"): two steerds ("gateways" g1 and g2, one
# pin root each under the run's bpffs, maps only: --no-attach) run the LLM
# testbed's policy against the same backends. Then the policy's hash_seed
# changes: g1 reloads (SIGHUP), g2 is killed with -9 and restarted. Checks:
#   - before: both hold the same tables (per class: tenant, task, family ->
#     every slot of its Maglev table);
#   - after: both publish the new seed, and hold the same tables again;
#   - the new seed really changed the tables;
#   - then maglev_size grows (251 -> 257) by reload on g1 and restart on g2:
#     both hold the same tables of 257 slots.
# Topology and fleet: lib.sh, "LLM testbed".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SECONDS=0

steer_init seed_tables
llm_topo 5
for i in 1 2 3 4 5; do mock_start "$i" --slots 16 --ttft-ms 5 --tps 1000; done
LLM_CAPACITY=16
# weights from the same inputs on both: no probe latency term (each gateway
# measures its own jitter), so only the way each came to the policy differs
LLM_OBJECTIVE="{quality: 1.0, cost: 0.5, load: 0.5, margin: 0.1, latency: 0}"
llm_policy
declare -A GW_PID=()

gw_start() { # g1|g2
	bg gw "$RUN_DIR/steerd-$1.log" "$STEERD" --foreground --log-level debug --no-attach \
		--metrics off --socket "$RUN_DIR/$1.sock" --state "$RUN_DIR/$1-state.json" \
		--pin-root "$PIN/$1" --config "$POLICY"
	GW_PID[$1]=${STEER_PIDS[-1]}
}

# every class of gateway $1 with a table: "tenant task family: slot values"
tables_of() {
	local pin=$PIN/$1
	bpftool -j map dump pinned "$pin/classes" 2>/dev/null | python3 -c '
import json, subprocess, sys
def num(x):  # bpftool prints BTF-less keys and values as lists of hex bytes
    if isinstance(x, list):
        return int.from_bytes(bytes(int(b, 16) for b in x), "little")
    return x
def dump(*what):
    out = subprocess.run(["bpftool", "-j", "map", "dump"] + list(what),
                         capture_output=True, text=True).stdout
    return json.loads(out or "[]")
outer = {}
for e in dump("pinned", sys.argv[1] + "/tables"):
    f = e.get("formatted", e)
    inner = e.get("inner_map_id", f.get("inner_map_id"))
    if inner is None:
        inner = num(f.get("value"))
    outer[num(f["key"])] = inner
rows = []
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    k, v = f["key"], f["value"]
    if not v["table_id"] or v["table_id"] not in outer:
        continue
    slots = sorted((num(x.get("formatted", x)["key"]), num(x.get("formatted", x)["value"]))
                   for x in dump("id", str(outer[v["table_id"]])))
    rows.append("%d %d %d: %s" % (k["tenant"], k["task"], k["family"],
                                 " ".join(str(val) for _, val in slots)))
print("\n".join(sorted(rows)))' "$pin"
}

seed_of() { bpftool -j map dump pinned "$PIN/$1/steer_cfg" 2>/dev/null | jq '.[0].formatted.value.hash_seed // .[0].value.hash_seed'; }
size_of() { bpftool -j map dump pinned "$PIN/$1/steer_cfg" 2>/dev/null | jq '.[0].formatted.value.maglev_size // .[0].value.maglev_size'; }
# both gateways publish 8 classes with a table, all of $2 slots
ready() {
	local g n
	for g in g1 g2; do
		n=$(tables_of "$g" | awk -v m="$1" 'NF == m + 3' | wc -l)
		[ "$n" -ge 8 ] || return 1
	done
}

gw_start g1
gw_start g2
wait_for 100 ready 251 || die "gateways not ready: $(grep -hv debug "$RUN_DIR"/steerd-g*.log | tail -n 8)"
sleep 1 # a few probe rounds: the load signals settle
t1=$(tables_of g1)
t2=$(tables_of g2)
log "before: $(echo "$t1" | wc -l) classes with a table on each gateway, seed $(seed_of g1)/$(seed_of g2)"
check "same policy: identical tables on both gateways" test "$t1" = "$t2"
[ "$t1" = "$t2" ] || log "differ: $(diff <(echo "$t1" | cut -c1-80) <(echo "$t2" | cut -c1-80) | head -6 | xargs)"
before=$t1

# a new seed: g1 by reload, g2 by kill -9 and restart
sed -i 's/hash_seed: 0x5eed/hash_seed: 4242/' "$POLICY"
kill -HUP "${GW_PID[g1]}"
kill -9 "${GW_PID[g2]}"
wait "${GW_PID[g2]}" 2>/dev/null || true
gw_start g2
new_seed() { [ "$(seed_of g1)" = 4242 ] && [ "$(seed_of g2)" = 4242 ] && ready 251; }
wait_for 100 new_seed || true
sleep 1
expect "both gateways publish the new seed" "$(seed_of g1) $(seed_of g2)" "4242 4242"
t1=$(tables_of g1)
t2=$(tables_of g2)
check "new seed (reload on g1, restart on g2): identical tables" test "$t1" = "$t2"
check "the new seed changed the tables" test "$t1" != "$before"
if [ "$t1" != "$t2" ]; then
	log "differ: $(diff <(echo "$t1" | cut -c1-60) <(echo "$t2" | cut -c1-60) | head -6 | xargs)"
fi

# a larger table: g1 by reload, g2 by restart
sed -i 's/maglev_size: 251/maglev_size: 257/' "$POLICY"
kill -HUP "${GW_PID[g1]}"
kill -9 "${GW_PID[g2]}"
wait "${GW_PID[g2]}" 2>/dev/null || true
gw_start g2
grown() { [ "$(size_of g1)" = 257 ] && [ "$(size_of g2)" = 257 ] && ready 257; }
wait_for 100 grown || true
sleep 1
expect "both gateways publish maglev_size 257" "$(size_of g1) $(size_of g2)" "257 257"
t1=$(tables_of g1)
t2=$(tables_of g2)
check "maglev_size 257 (reload on g1, restart on g2): identical tables of 257 slots" \
	test "$t1" = "$t2" -a "$(echo "$t1" | awk 'NF == 260' | wc -l)" -ge 8
! grep -E 'error|publish failed' "$RUN_DIR"/steerd-g*.log | grep -v debug | head -5 || true

log "done in ${SECONDS}s"
[ "$N_FAIL" -eq 0 ] || grep -v 'debug' "$RUN_DIR/steerd-g1.log" | tail -20
summary
