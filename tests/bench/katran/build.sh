#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Builds Katran's XDP balancer and katbench, to time it beside pktbench
# (README, "Benchmarks": the Katran comparison). Not part of make: it needs
# a checkout of facebookincubator/katran, which this repository does not
# carry (this machine has no internet; another can git clone it).
#
#   tests/bench/katran/build.sh KATRAN_DIR [OUT_DIR]
#
# OUT_DIR (default .output/katran) gets
#   kb.o        balancer.bpf.c with MAX_CONN_RATE raised to 1<<30: its
#               new-connection flood guard never skips the LRU insert
#   kb_guard.o  balancer.bpf.c as shipped (MAX_CONN_RATE 125000 per second
#               per CPU: above it a SYN is forwarded without an LRU entry)
#   katbench    the harness (katbench.c)
# Run it as root, e.g. taskset -c 0 OUT_DIR/katbench -o OUT_DIR/kb.o -p 0.
set -euo pipefail

die() { echo "katran/build.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 KATRAN_DIR [OUT_DIR]"
K=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
OUT=${2:-.output/katran}
SRC=$K/katran/lib/bpf/balancer.bpf.c
[ -f "$SRC" ] || die "$SRC: not found (KATRAN_DIR: a katran checkout's top directory)"
mkdir -p "$OUT/shim/gnu"
# with -target bpf the glibc headers ask for the 32-bit stubs, which
# Debian's amd64 libc6-dev does not ship; Katran includes no symbol of them
: >"$OUT/shim/gnu/stubs-32.h"

# Katran's own BPF flags (its Makefile-bpf): -D__KERNEL__ and the -Wno-*
cflags=(-O2 -g -target bpf -D__KERNEL__ -I"$K" -I"$K/katran/lib/linux_includes"
	-I"$K/katran/lib/bpf" -I/usr/include/x86_64-linux-gnu -I"$OUT/shim"
	-Wno-unused-value -Wno-pointer-sign -Wno-compare-distinct-pointer-types)
clang "${cflags[@]}" '-DMAX_CONN_RATE=(1<<30)' -c "$SRC" -o "$OUT/kb.o"
clang "${cflags[@]}" -c "$SRC" -o "$OUT/kb_guard.o"
cc -O2 -g -Wall -Wextra -Werror -o "$OUT/katbench" "$here/katbench.c" -lbpf -lelf -lz
echo "katran/build.sh: $OUT/kb.o $OUT/kb_guard.o $OUT/katbench ($(git -C "$K" rev-parse HEAD 2>/dev/null || echo "commit unknown"))"
