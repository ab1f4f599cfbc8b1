#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerd as a system daemon:
# - one steerd per pin root: a second one on the same pin root exits 1
#   naming the first's pid (in daemon mode too: the daemon's pid, not its
#   parent's), and touches nothing; another pin root is fine;
# - daemon mode (no --foreground) with relative --config, --pin-root,
#   --socket and --state: reloads after the chdir to / still read the file;
# - a backend added at run time gets no new flows until its first health
#   probe succeeds: one whose health URL refuses is never in a class's set
#   (before the fix it was, at once, until health_fall failures), one whose
#   health URL answers joins the set after its first probe.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
STEERCTL=$STEER_OUT/steerctl
steer_init daemon
for t in "$STEERD" "$STEERCTL"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done
ns_add gw
POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<'EOT'
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 300, probe_timeout_ms: 200, health_fall: 3, maglev_size: 251}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}
backends:
  - {name: be1, address: 127.0.0.1, port: 9, model: m1, provider: p, region: r, capacity: 4}
tenants:
  - {name: t, prefixes: [198.18.1.0/24]}
EOT
CTL=$RUN_DIR/a.sock
ctl() { timeout 20 "$STEERCTL" -s "$CTL" "$@"; }
wait_ctl() {
	for _ in $(seq 100); do
		"$STEERCTL" -s "$1" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---- one steerd per pin root ----
bg gw "$RUN_DIR/a.log" "$STEERD" --foreground --pin-root "$PIN" --socket "$CTL" \
	--state "$RUN_DIR/a.json" --metrics off --no-attach --config "$POLICY"
APID=${STEER_PIDS[-1]}
wait_ctl "$CTL" || die "steerd a not up: $(cat "$RUN_DIR/a.log")"
PUBS=$(ctl -j status | grep -o '"publishes": *[0-9]*' | grep -o '[0-9]*$')
out=$(nsx gw timeout 10 "$STEERD" --foreground --pin-root "$PIN" --socket "$RUN_DIR/b.sock" \
	--state "$RUN_DIR/b.json" --metrics off --no-attach --config "$POLICY" 2>&1) && rc=0 || rc=$?
echo "    second steerd: $out"
expect "a second steerd on the same pin root exits 1" "$rc" 1
check "it names the first one's pid ($APID)" grep -q "in use by steerd pid $APID\b" <<<"$out"
check "it opened no control socket" test ! -e "$RUN_DIR/b.sock"
check "the first one still runs" kill -0 "$APID"
expect "the first one's publishes are its own" \
	"$(ctl -j status | grep -o '"publishes": *[0-9]*' | grep -o '[0-9]*$')" "$PUBS"
mkdir -p "$PIN/other"
out=$(nsx gw timeout 10 "$STEERD" --once --pin-root "$PIN/other" --socket none \
	--state "$RUN_DIR/c.json" --metrics off --no-attach --config "$POLICY" 2>&1) && rc=0 || rc=$?
expect "another pin root is fine" "$rc" 0

# ---- a backend added at run time waits for its first good probe ----
bg gw "$RUN_DIR/httpd.log" "$HTTPD" 127.0.0.1 18001 be-good
wait_listen gw 18001 || die "tiny_httpd not listening"
# class t/chat: the names in its set
set_of() {
	ctl -j policy show t chat | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(" ".join(sorted(b["name"] for c in r["classes"] if c["family"] == "ipv4"
	for b in c["backends"])))'
}
ctl backend add be-dead 127.0.0.1:18002 model m1 capacity 4 \
	health http://127.0.0.1:18002/health >/dev/null
s=$(set_of)
check "be-dead (health refused) not in the set right after add (set: $s)" \
	bash -c "! grep -qw be-dead <<<'$s'"
ctl backend add be-good 127.0.0.1:18001 model m1 capacity 4 \
	health http://127.0.0.1:18001/health >/dev/null
# (whether its first probe has come back by now is a race: not checked)
for _ in $(seq 30); do
	s=$(set_of)
	grep -qw be-good <<<"$s" && break
	sleep 0.1
done
check "be-good in the set after its first probe (set: $s)" grep -qw be-good <<<"$s"
check "be-dead never joined (set: $s)" bash -c "! grep -qw be-dead <<<'$s'"
kill "$APID"
wait "$APID" 2>/dev/null || true

# ---- daemon mode, relative paths ----
rm -f "$RUN_DIR/a.json"
(cd "$RUN_DIR" && nsx gw "$STEERD" --pin-root bpffs --socket d.sock --state d.json \
	--metrics off --no-attach --config policy.yaml) >"$RUN_DIR/d.out" 2>&1 ||
	die "steerd daemon: $(cat "$RUN_DIR/d.out")"
wait_ctl "$RUN_DIR/d.sock" || die "daemon not up: $(cat "$RUN_DIR/d.out")"
CTL=$RUN_DIR/d.sock
DPID=$(ctl -j status | grep -o '"pid": *[0-9]*' | grep -o '[0-9]*$')
check "daemon runs (pid $DPID)" kill -0 "$DPID"
expect "its cwd is /" "$(readlink "/proc/$DPID/cwd")" /
sed -i 's/^  - {name: be1, address: 127.0.0.1, port: 9,/  - {name: be2, address: 127.0.0.1, port: 11, model: m1, provider: p, region: r, capacity: 4}\n&/' \
	"$POLICY"
out=$(ctl reload 2>&1) && rc=0 || rc=$?
echo "    reload: $out"
expect "reload after the chdir reads the relative --config" "$rc" 0
check "the reloaded policy has 2 backends" grep -q "2 backends" <<<"$out"
out=$(nsx gw timeout 10 "$STEERD" --foreground --pin-root "$PIN" --socket "$RUN_DIR/e.sock" \
	--state "$RUN_DIR/e.json" --metrics off --no-attach --config "$POLICY" 2>&1) && rc=0 || rc=$?
check "a second steerd names the daemon's pid $DPID (not its parent's)" \
	grep -q "in use by steerd pid $DPID\b" <<<"$out"
kill "$DPID"
for _ in $(seq 50); do
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
check "daemon stopped" bash -c "! kill -0 $DPID 2>/dev/null"

summary
