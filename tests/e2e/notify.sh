#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# steerd under systemd's Type=notify protocol and the unit's ExecReload
# (steerctl reload), with a listener standing in for systemd's manager
# (notify_listen.py on $NOTIFY_SOCKET):
# - READY=1 comes after the first publish (steerd has published when the
#   manager hears it), with a STATUS= line;
# - steerctl reload of a broken policy exits non-zero and prints each
#   file:line:column error; steerd keeps running the old policy and says
#   RELOADING=1 then READY=1 with a "rejected" status;
# - a good reload exits 0; SIGTERM sends STOPPING=1;
# - the generated unit passes systemd-analyze verify (when it runs here).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
STEERCTL=$STEER_OUT/steerctl
steer_init notify
command -v python3 >/dev/null || skip "missing tool: python3"
for t in "$STEERD" "$STEERCTL"; do
	[ -x "$t" ] || die "missing $t (run make first)"
done
ns_add gw
CTL=$RUN_DIR/steerd.sock
POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<'EOT'
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings:
  probe_interval_ms: 300
  probe_timeout_ms: 200
  maglev_size: 251
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}
backends:
  - {name: be1, address: 127.0.0.1, port: 9, model: m1, provider: p, region: r,
     capacity: 4, health_url: "http://127.0.0.1:9/health"}
EOT
cp "$POLICY" "$RUN_DIR/good.yaml"

# ---- readiness ----
NOTIFY=$RUN_DIR/notify.sock
NLOG=$RUN_DIR/notify.log
bg gw "$RUN_DIR/listen.out" python3 "$(dirname "$0")/notify_listen.py" "$NOTIFY" "$NLOG" 60 \
	"$STEERCTL" "$CTL"
for _ in $(seq 50); do
	grep -qs LISTENING "$NLOG" && break
	sleep 0.1
done
grep -qs LISTENING "$NLOG" || die "listener not up: $(cat "$RUN_DIR/listen.out")"
NOTIFY_SOCKET=$NOTIFY bg gw "$RUN_DIR/steerd.log" "$STEERD" --foreground --pin-root "$PIN" \
	--socket "$CTL" --state "$RUN_DIR/state.json" --metrics off --no-attach --config "$POLICY"
SPID=${STEER_PIDS[-1]}
for _ in $(seq 100); do
	grep -qs AT_READY "$NLOG" && break
	sleep 0.1
done
check "READY=1 with a STATUS= line" grep -q '^READY=1|STATUS=.' "$NLOG"
at=$(sed -n 's/^AT_READY publishes=//p' "$NLOG")
check "steerd had published when READY=1 arrived (publishes=$at)" [ "${at:-0}" -ge 1 ] 2>/dev/null

# ---- a rejected reload: errors with file:line, the old policy stays ----
cat >"$POLICY" <<'EOT'
tasks: [chat]
models:
  - {name: m1, cost: -1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: 198.18.100.1, port: 99999, task: chat}
EOT
out=$("$STEERCTL" -s "$CTL" reload 2>&1) && rc=0 || rc=$?
echo "$out" | sed 's/^/    steerctl: /'
check "rejected reload exits non-zero (rc $rc)" [ "$rc" -ne 0 ]
check "it prints the cost error with file:line:col" \
	grep -qE "^$POLICY:3:[0-9]+: .*cost" <<<"$out"
check "it prints the port error with file:line:col" \
	grep -qE "^$POLICY:5:[0-9]+: .*port" <<<"$out"
check "it says the running policy stays" grep -q "running policy stays" <<<"$out"
check "steerd still runs" kill -0 "$SPID"
check "the old policy still runs (1 backend)" \
	bash -c "'$STEERCTL' -j -s '$CTL' status | grep -q '\"backends\": *1\\b\\|\"backends\":1,'"
jout=$("$STEERCTL" -j -s "$CTL" reload 2>&1 || true)
check "steerctl -j reload: the errors in the JSON error" \
	grep -q "$POLICY:3:" <<<"$jout"
wait_for 20 grep -q 'STATUS=reload of .* rejected' "$NLOG" || true
check "RELOADING=1 then READY=1 'rejected' to systemd" \
	bash -c "grep -q '^RELOADING=1' '$NLOG' && grep -q '^READY=1|STATUS=reload of .* rejected' '$NLOG'"

# ---- a good reload ----
cp "$RUN_DIR/good.yaml" "$POLICY"
check "good reload exits 0" "$STEERCTL" -s "$CTL" reload
# the listener writes what it got a moment after steerctl has its answer
wait_for 20 grep -q "^READY=1|STATUS=reloaded $POLICY" "$NLOG" || true
check "READY=1 'reloaded' to systemd" grep -q "^READY=1|STATUS=reloaded $POLICY" "$NLOG"

# ---- stop ----
kill -TERM "$SPID"
for _ in $(seq 50); do
	grep -qs '^STOPPING=1' "$NLOG" && break
	sleep 0.1
done
check "SIGTERM: STOPPING=1" grep -q '^STOPPING=1' "$NLOG"

# ---- the unit as make install writes it ----
# (staged in DESTDIR; SBINDIR is the build tree, so that the binaries the
# unit names exist on this host, and MANPATH finds the staged man pages)
if command -v systemd-analyze >/dev/null; then
	D=$RUN_DIR/root
	make -s -C "$STEER_TOP" --no-print-directory install DESTDIR="$D" PREFIX=/usr \
		SBINDIR="$STEER_OUT" >"$RUN_DIR/install.out" 2>&1 ||
		die "make install: $(cat "$RUN_DIR/install.out")"
	U=$D/lib/systemd/system/steerd.service
	check "systemd-analyze verify steerd.service (man pages too) is clean" \
		bash -c "MANPATH='$D/usr/share/man' systemd-analyze verify --man=yes '$U' \
			>'$RUN_DIR/verify.out' 2>&1; rc=\$?; cat '$RUN_DIR/verify.out';
			[ \$rc -eq 0 ] && [ ! -s '$RUN_DIR/verify.out' ]"
	check "unit: Type=notify, ExecReload through steerctl, run and state dirs" \
		bash -c "grep -qx 'Type=notify' '$U' &&
			grep -qx 'ExecReload=$STEER_OUT/steerctl reload' '$U' &&
			grep -qx 'RuntimeDirectory=steer' '$U' &&
			grep -qx 'StateDirectory=steer' '$U'"
fi

summary
