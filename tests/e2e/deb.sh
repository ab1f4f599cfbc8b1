#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The Debian package, built by make deb (dpkg-buildpackage -us -uc -b from a
# copy of the tree) and inspected, not installed: binaries in /usr/sbin,
# the unit, /etc/steer/policy.yaml as a conffile that names no interface,
# the man pages and the completion; the maintainer scripts neither enable
# nor start steerd on a fresh install; lintian (when present) reports no
# error and no warning. Skipped without dpkg-buildpackage and debhelper.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

steer_init deb
command -v dpkg-buildpackage >/dev/null || skip "missing dpkg-dev"
command -v dh >/dev/null || skip "missing debhelper"
dpkg-checkbuilddeps "$STEER_TOP/debian/control" 2>/dev/null || skip "missing Build-Depends"

make -s -C "$STEER_TOP" --no-print-directory deb >"$RUN_DIR/deb.log" 2>&1 ||
	die "make deb failed: $(tail -20 "$RUN_DIR/deb.log")"
DEB=$(ls "$STEER_OUT"/deb/steer_*_*.deb)
check "make deb made $(basename "$DEB")" test -s "$DEB"
dpkg-deb -c "$DEB" | awk '{print $6}' >"$RUN_DIR/contents"
for f in ./usr/sbin/steerd ./usr/sbin/steerctl ./lib/systemd/system/steerd.service \
	./etc/steer/policy.yaml ./usr/share/man/man8/steerd.8.gz ./usr/share/man/man8/steerctl.8.gz \
	./usr/share/man/man5/steer-policy.5.gz ./usr/share/bash-completion/completions/steerctl \
	./usr/share/doc/steer/copyright; do
	check "package has $f" grep -qx "$f" "$RUN_DIR/contents"
done
check "nothing under /usr/local" bash -c "! grep -q '^./usr/local' '$RUN_DIR/contents'"
X=$RUN_DIR/x
dpkg-deb -R "$DEB" "$X"
expect "conffiles" "$(cat "$X/DEBIAN/conffiles")" "/etc/steer/policy.yaml"
check "the policy names no interface" \
	bash -c "grep -A2 '^interfaces:' '$X/etc/steer/policy.yaml' | grep -q 'xdp: \[\]'"
check "the unit runs /usr/sbin/steerd, Type=notify" \
	bash -c "grep -qx 'ExecStart=/usr/sbin/steerd --foreground --syslog --config /etc/steer/policy.yaml' \
		'$X/lib/systemd/system/steerd.service' &&
		grep -qx 'Type=notify' '$X/lib/systemd/system/steerd.service'"
check "postinst has no start of steerd (dh_installsystemd --no-start)" \
	bash -c "! grep -q '_dh_action\|deb-systemd-invoke start' '$X/DEBIAN/postinst'"
check "postinst restarts steerd only on upgrade (try-restart)" \
	grep -q 'deb-systemd-invoke try-restart steerd.service' "$X/DEBIAN/postinst"
check "Depends are computed (libbpf, libsystemd)" \
	bash -c "dpkg-deb -f '$DEB' Depends | grep -q libbpf && dpkg-deb -f '$DEB' Depends | grep -q libsystemd"
# postinst run as on a fresh install, with the systemd helpers recording
# their calls and answering as on a host that never had the unit (not
# installed by debian, not enabled)
mkdir -p "$RUN_DIR/bin"
for t in deb-systemd-invoke deb-systemd-helper systemctl; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\ncase "$*" in *was-enabled* | *debian-installed* | *is-enabled*) exit 1 ;; esac\nexit 0\n' \
		"$t" "$RUN_DIR/calls" >"$RUN_DIR/bin/$t"
	chmod +x "$RUN_DIR/bin/$t"
done
PATH=$RUN_DIR/bin:$PATH sh "$X/DEBIAN/postinst" configure "" 2>"$RUN_DIR/postinst.err"
check "fresh install: no start, no enable (calls: $(tr '\n' ';' <"$RUN_DIR/calls" 2>/dev/null))" \
	bash -c "! grep -Eq 'invoke (start|restart|try-restart)|helper enable' '$RUN_DIR/calls' 2>/dev/null"
check "fresh install: tells the operator what to do" grep -q "name your interfaces" "$RUN_DIR/postinst.err"
if command -v lintian >/dev/null; then
	lintian --fail-on error,warning "$STEER_OUT"/deb/*.changes >"$RUN_DIR/lintian.out" 2>&1 &&
		lrc=0 || lrc=$?
	sed 's/^/    lintian: /' "$RUN_DIR/lintian.out"
	expect "lintian: no error, no warning" "$lrc" 0
fi

summary
