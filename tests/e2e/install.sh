#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make install / make uninstall into a staging directory (DESTDIR), never
# the host: no package is installed by either goal, every file lands under
# PREFIX/SBINDIR/SYSCONFDIR/SYSTEMDUNITDIR as asked, the generated unit
# names those paths, an operator's policy survives a reinstall, uninstall
# leaves no file behind; steerd on the installed policy attaches nothing,
# says "no interfaces: waiting" and stays up.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
steer_init install
command -v make >/dev/null || skip "missing tool: make"
[ -x "$STEERD" ] || die "missing $STEERD (run make first)"
M=(make -s -C "$STEER_TOP" --no-print-directory)

# ---- no package installs from install/uninstall (a fresh build tree) ----
fresh=$RUN_DIR/fresh-output
n_all=$("${M[@]}" -n all OUTPUT="$fresh" 2>&1 | grep -c install-deps.sh || true)
n_inst=$("${M[@]}" -n install OUTPUT="$fresh" DESTDIR="$RUN_DIR/x" 2>&1 |
	grep -c install-deps.sh || true)
n_uninst=$("${M[@]}" -n uninstall OUTPUT="$fresh" DESTDIR="$RUN_DIR/x" 2>&1 |
	grep -c install-deps.sh || true)
n_nodeps=$("${M[@]}" -n all NO_DEPS=1 OUTPUT="$fresh" 2>&1 | grep -c install-deps.sh || true)
check "make all on a fresh tree installs build deps (the check can see it)" [ "$n_all" -gt 0 ]
expect "make install never runs install-deps.sh" "$n_inst" 0
expect "make uninstall never runs install-deps.sh" "$n_uninst" 0
expect "NO_DEPS=1 never runs install-deps.sh" "$n_nodeps" 0

# ---- PREFIX=/usr, as a package does ----
D=$RUN_DIR/root
"${M[@]}" install DESTDIR="$D" PREFIX=/usr >"$RUN_DIR/install.log" 2>&1 ||
	die "make install failed: $(cat "$RUN_DIR/install.log")"
for f in usr/sbin/steerd usr/sbin/steerctl lib/systemd/system/steerd.service \
	etc/steer/policy.yaml usr/share/doc/steer/README.md usr/share/doc/steer/policy.md \
	usr/share/man/man8/steerd.8 usr/share/man/man8/steerctl.8 usr/share/man/man5/steer-policy.5 \
	usr/share/bash-completion/completions/steerctl; do
	check "installed /$f" test -s "$D/$f"
done
check "steerd is executable" test -x "$D/usr/sbin/steerd"
UNITF=$D/lib/systemd/system/steerd.service
check "unit starts /usr/sbin/steerd on /etc/steer/policy.yaml" \
	grep -q '^ExecStart=/usr/sbin/steerd .*--config /etc/steer/policy.yaml' "$UNITF"
check "unit has no /usr/local path" bash -c "! grep -q /usr/local '$UNITF'"
check "unit has no unexpanded @VAR@" bash -c "! grep -q '@[A-Z]*@' '$UNITF'"
check "installed policy is valid" "$STEERD" --check --config "$D/etc/steer/policy.yaml"
check "installed policy names no interface" \
	bash -c "grep -A2 '^interfaces:' '$D/etc/steer/policy.yaml' | grep -Eq 'xdp: \[\]' &&
		grep -A2 '^interfaces:' '$D/etc/steer/policy.yaml' | grep -Eq 'tc: \[\]'"

# an operator's policy survives a reinstall and an uninstall
echo "# operator's change" >>"$D/etc/steer/policy.yaml"
"${M[@]}" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
check "reinstall keeps the operator's policy" grep -q "operator's change" "$D/etc/steer/policy.yaml"
"${M[@]}" uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
expect "uninstall leaves only the changed policy" "$left" "./etc/steer/policy.yaml "
rm -f "$D/etc/steer/policy.yaml"

# an unchanged policy goes with uninstall: nothing left
"${M[@]}" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
"${M[@]}" uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
expect "uninstall of an untouched install leaves no file" "$(find "$D" -type f | wc -l)" 0

# ---- the default PREFIX and explicit directories ----
D2=$RUN_DIR/root2
"${M[@]}" install DESTDIR="$D2" >/dev/null 2>&1
check "default PREFIX: /usr/local/sbin/steerd" test -x "$D2/usr/local/sbin/steerd"
check "default PREFIX: unit in /usr/local/lib/systemd/system names /usr/local/sbin" \
	grep -q '^ExecStart=/usr/local/sbin/steerd ' "$D2/usr/local/lib/systemd/system/steerd.service"
D3=$RUN_DIR/root3
"${M[@]}" install DESTDIR="$D3" PREFIX=/opt/steer SBINDIR=/opt/steer/bin \
	SYSCONFDIR=/opt/steer/etc SYSTEMDUNITDIR=/etc/systemd/system >/dev/null 2>&1
check "SBINDIR honoured" test -x "$D3/opt/steer/bin/steerctl"
check "SYSCONFDIR honoured" test -s "$D3/opt/steer/etc/steer/policy.yaml"
check "SYSTEMDUNITDIR and paths in the unit" \
	grep -q '^ExecStart=/opt/steer/bin/steerd .*--config /opt/steer/etc/steer/policy.yaml' \
	"$D3/etc/systemd/system/steerd.service"
"${M[@]}" uninstall DESTDIR="$D3" PREFIX=/opt/steer SBINDIR=/opt/steer/bin \
	SYSCONFDIR=/opt/steer/etc SYSTEMDUNITDIR=/etc/systemd/system >/dev/null 2>&1
expect "uninstall with the same directories leaves no file" "$(find "$D3" -type f | wc -l)" 0

# ---- steerd on the installed policy: attaches nothing, waits ----
"${M[@]}" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
ns_add gw peer
veth gw eth0 peer eth0
bg gw "$RUN_DIR/steerd.log" "$D/usr/sbin/steerd" --foreground --pin-root "$PIN" \
	--socket "$RUN_DIR/steerd.sock" --metrics off --config "$D/etc/steer/policy.yaml"
SPID=${STEER_PIDS[-1]}
for _ in $(seq 50); do
	grep -qs "no interfaces: waiting" "$RUN_DIR/steerd.log" && break
	sleep 0.1
done
check "steerd logs 'no interfaces: waiting'" grep -q "no interfaces: waiting" "$RUN_DIR/steerd.log"
sleep 1
check "steerd stays up" kill -0 "$SPID"
check "no XDP program on eth0" bash -c "! ip -n $(ns gw) -d link show eth0 | grep -q xdp"
check "no link pinned" bash -c "[ -z \"\$(ls -A '$PIN/links' 2>/dev/null)\" ]"
"${M[@]}" uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1

summary
