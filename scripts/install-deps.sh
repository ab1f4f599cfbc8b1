#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Install every Debian package that steer's build, tests and demo need.
# Idempotent: packages already present are not touched, and apt is only
# called when something is missing.
#   scripts/install-deps.sh         build, tests, demo (make, make test)
#   scripts/install-deps.sh --deb   build and packaging only (make deb):
#                                   the Build-Depends, debhelper, lintian
set -euo pipefail

BUILD=(
	make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
	libcurl4-openssl-dev libyaml-dev libjansson-dev libmicrohttpd-dev libsystemd-dev
)
PKGS=(
	"${BUILD[@]}"
	# tests (dpkg-dev, debhelper: tests/e2e/deb.sh builds the package)
	libcmocka-dev iproute2 ethtool curl procps kmod jq util-linux python3
	dpkg-dev debhelper fakeroot
	# fuzzing: libFuzzer and the sanitizer runtimes of clang 14
	libclang-rt-14-dev
	# promtool for tests/e2e/contrib.sh (alert rules); ~100 MB installed
	prometheus
	# demo / e2e / bench
	wrk haproxy nginx libnginx-mod-stream nftables iperf3 tcpdump gnuplot-nox
)
DEB_ONLY=0
if [ "${1:-}" = --deb ]; then
	DEB_ONLY=1
	PKGS=("${BUILD[@]}" dpkg-dev debhelper fakeroot lintian)
fi

# The e2e test with the official OpenAI client (tests/e2e/openai.sh) needs
# the npm package pinned in tests/e2e/openai/package-lock.json, installed
# into tests/e2e/openai/node_modules (git-ignored). Only the npm registry is
# contacted, and only when the installed version is not the locked one.
npm_e2e() {
	local dir want have
	dir=$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/openai
	[ -f "$dir/package-lock.json" ] || return 0
	if ! command -v npm >/dev/null 2>&1; then
		echo "install-deps: npm missing: tests/e2e/openai.sh will be skipped" >&2
		return 0
	fi
	want=$(sed -n '/"node_modules\/openai": {/,/}/s/^ *"version": *"\([^"]*\)".*/\1/p' \
		"$dir/package-lock.json" | head -1)
	have=""
	if [ -f "$dir/node_modules/openai/package.json" ]; then
		have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
			"$dir/node_modules/openai/package.json" | head -1)
	fi
	[ -n "$want" ] && [ "$want" = "$have" ] && return 0
	echo "install-deps: npm ci in tests/e2e/openai (openai $want)" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
}

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

# Node.js (for the e2e test with the official OpenAI client) may come from
# another repository than Debian's; only ask Debian for it when absent.
if [ "$DEB_ONLY" -eq 0 ] && ! command -v node >/dev/null 2>&1; then
	missing+=(nodejs)
fi
if [ "$DEB_ONLY" -eq 0 ] && ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
	[ "$DEB_ONLY" -eq 1 ] || npm_e2e
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
[ "$DEB_ONLY" -eq 1 ] && exit 0
# nginx and haproxy are used as benchmark contenders only, and prometheus for
# its promtool: never as services.
for s in nginx haproxy prometheus prometheus-node-exporter; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
npm_e2e
