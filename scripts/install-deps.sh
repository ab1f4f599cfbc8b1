#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Install every Debian package that steer's build, tests and demo need.
# Idempotent: packages already present are not touched, and apt is only
# called when something is missing.
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
	libcurl4-openssl-dev libyaml-dev libjansson-dev libmicrohttpd-dev
	# tests
	libcmocka-dev iproute2 ethtool curl procps kmod
	# demo / e2e / bench
	wrk haproxy nginx nftables iperf3 tcpdump gnuplot-nox
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

# Node.js (for the e2e test with the official OpenAI client) may come from
# another repository than Debian's; only ask Debian for it when absent.
if ! command -v node >/dev/null 2>&1; then
	missing+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
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
# nginx and haproxy are used as benchmark contenders only, never as services.
for s in nginx haproxy; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
