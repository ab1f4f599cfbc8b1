#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerctl's bash completion (scripts/steerctl.bash-completion) against a
# running steerd (--no-attach, its own pin root and socket): objects,
# commands, keywords and values, and the backend / tenant / service names
# asked of steerd, including one added at runtime; nothing (and no error)
# when steerd is not reachable. Also: the man pages made from docs/*.md
# render without a warning and carry their NAME lines.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
STEERCTL=$STEER_OUT/steerctl
steer_init completion
for t in "$STEERD" "$STEERCTL"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done
ns_add gw
CTL=$RUN_DIR/steerd.sock
POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<'EOT'
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 500, maglev_size: 251}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat-v4, vip: 198.18.100.1, port: 80, task: chat}
backends:
  - {name: be-alpha, address: 127.0.0.1, port: 9, model: m1, provider: p, region: r, capacity: 4}
  - {name: be-beta, address: 127.0.0.1, port: 10, model: m1, provider: p, region: r, capacity: 4}
tenants:
  - {name: acme, prefixes: [198.18.0.0/24]}
EOT
bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --pin-root "$PIN" --socket "$CTL" \
	--state "$RUN_DIR/state.json" --metrics off --no-attach --config "$POLICY"
for _ in $(seq 50); do
	"$STEERCTL" -s "$CTL" status >/dev/null 2>&1 && break
	sleep 0.1
done

# complete "WORDS..." : what the completion offers for the last word
complete_line() {
	PATH=$STEER_OUT:$PATH bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_steerctl; echo "${COMPREPLY[*]}"' _ "$STEER_TOP/scripts/steerctl.bash-completion" "$@"
}

expect "objects" "$(complete_line steerctl "")" \
	"status reload backend tenant service policy explain flows stats top help version"
expect "object prefix" "$(complete_line steerctl -j st)" "status stats"
expect "backend commands" "$(complete_line steerctl backend "")" \
	"list show add set del drain undrain help"
expect "backend names from steerd" "$(complete_line steerctl -s "$CTL" backend show "")" \
	"be-alpha be-beta"
expect "backend names, a prefix" "$(complete_line steerctl -s "$CTL" backend drain be-a)" \
	"be-alpha"
expect "tenant names from steerd" "$(complete_line steerctl -s "$CTL" tenant set "")" \
	"default acme"
expect "service names from steerd" "$(complete_line steerctl -s "$CTL" service del "")" \
	"chat-v4"
expect "flows --backend NAME" "$(complete_line steerctl -s "$CTL" flows --backend "")" \
	"be-alpha be-beta"
expect "backend set keywords" "$(complete_line steerctl -s "$CTL" backend set be-beta sa)" \
	"safety-tier"
expect "backend state values" "$(complete_line steerctl backend set be-beta state "")" \
	"active draining down"
expect "reload option" "$(complete_line steerctl reload "")" "--discard"
"$STEERCTL" -s "$CTL" backend add be-gamma 127.0.0.1:11 model m1 capacity 2 >/dev/null
expect "a backend added at runtime is offered" \
	"$(complete_line steerctl -s "$CTL" backend show be-g)" "be-gamma"
expect "steerd not reachable: no names, no error" \
	"$(complete_line steerctl -s "$RUN_DIR/nothing.sock" backend show "" 2>&1)" ""

# ---- -j on every command: one JSON document ----
for cmd in "status" "backend list" "backend show be-alpha" "tenant list" "tenant show acme" \
	"service list" "policy show" "policy dump" "flows" "stats" "version" "help" \
	"backend help" "explain 198.18.0.9:1234 198.18.100.1:80" "reload" \
	"backend show nothing-such"; do
	# shellcheck disable=SC2086 # the words of cmd
	timeout 10 "$STEERCTL" -s "$CTL" -j $cmd >"$RUN_DIR/j.out" 2>&1 || true
	check "-j $cmd: JSON" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$RUN_DIR/j.out"
done

# ---- output to a file or a pipe: no terminal codes; top -j is JSON lines ----
timeout -s INT 2.5 "$STEERCTL" -s "$CTL" -j top >"$RUN_DIR/top.jsonl" 2>&1 || true
check "top -j: at least 2 lines, each a JSON object with backends" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 2, lines
for l in lines:
    assert "backends" in json.loads(l)' "$RUN_DIR/top.jsonl"
timeout -s INT 2.5 "$STEERCTL" -s "$CTL" top >"$RUN_DIR/top.txt" 2>&1 || true
check "top into a file: frames, no terminal code" \
	bash -c "grep -q 'steerctl top' '$RUN_DIR/top.txt' && ! grep -q \$'\\e' '$RUN_DIR/top.txt'"
timeout -s INT 2.5 "$STEERCTL" -s "$CTL" stats --watch >"$RUN_DIR/watch.txt" 2>&1 || true
check "stats --watch into a file: no screen clear" \
	bash -c "grep -q . '$RUN_DIR/watch.txt' && ! grep -q \$'\\e' '$RUN_DIR/watch.txt'"

# ---- man pages ----
for m in steerd.8 steerctl.8 steer-policy.5; do
	f=$STEER_OUT/man/$m
	check "$m made" test -s "$f"
	# the way lintian renders a page (its groff-message check)
	w=$(LANG=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$f" 2>&1 >/dev/null |
		wc -l)
	expect "$m renders without a groff warning" "$w" 0
	check "$m has its NAME line" bash -c "LC_ALL=C.UTF-8 MANWIDTH=80 man -l '$f' 2>/dev/null |
		grep -A1 '^NAME' | grep -q '${m%.*} - '"
done
check "steerctl.8 documents reload's errors" bash -c \
	"LC_ALL=C.UTF-8 MANWIDTH=200 man -l '$STEER_OUT/man/steerctl.8' 2>/dev/null | grep -q 'FILE:LINE:COLUMN'"

summary
