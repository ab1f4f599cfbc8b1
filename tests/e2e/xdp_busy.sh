#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Another XDP program holds the client-facing interface (a pass-all
# program attached with ip link ... xdpgeneric): steerd's start fails, and
# - the error names the interface and the program holding it (name, id,
#   mode), not an ifindex;
# - what that start attached is detached again (the TC program on be1), so
#   no half-attached data plane stays; the other program is untouched;
# - an interface steer already held before the start keeps steering.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
CLANG=${CLANG:-clang}
steer_init xdp_busy
command -v "$CLANG" >/dev/null || skip "missing tool: clang"
[ -x "$STEERD" ] || die "missing $STEERD (run make first)"
star_topo 2

# the other program: passes everything
cat >"$RUN_DIR/other_pass.c" <<'EOT'
// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define SEC(n) __attribute__((section(n), used))
struct xdp_md;
SEC("xdp") int other_pass(struct xdp_md *ctx) { return 2; /* XDP_PASS */ }
char _license[] SEC("license") = "Dual BSD/GPL";
EOT
"$CLANG" -O2 -g -target bpf -c "$RUN_DIR/other_pass.c" -o "$RUN_DIR/other_pass.o"
ip -n "$(ns gw)" link set dev cli0 xdpgeneric obj "$RUN_DIR/other_pass.o" sec xdp
check "the other program holds cli0" bash -c "ip -n $(ns gw) link show cli0 | grep -q xdpgeneric"

POLICY=$RUN_DIR/policy.yaml
cat >"$POLICY" <<'EOT'
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
settings: {probe_interval_ms: 300, maglev_size: 251}
tasks: [chat]
models:
  - {name: m1, cost: 1, quality: {chat: 0.8}}
services:
  - {name: chat, vip: 198.18.100.1, port: 80, task: chat}
backends: []
EOT
run_steerd() {
	nsx gw timeout 20 "$STEERD" --foreground --pin-root "$PIN" --socket none --metrics off \
		--xdp-generic "$@" --config "$POLICY" >"$RUN_DIR/steerd.log" 2>&1
}

# a previous run left be2 steered: that stays
run_steerd --once --tc be2 || die "steerd --once: $(cat "$RUN_DIR/steerd.log")"
check "be2 steered before the failing start" test -e "$PIN/links/tc-be2"

run_steerd --xdp cli0 --tc be1 --tc be2 && rc=0 || rc=$?
sed 's/^/    steerd: /' "$RUN_DIR/steerd.log"
check "steerd's start fails (rc $rc)" [ "$rc" -ne 0 ]
check "the error names the interface and the holder" \
	grep -Eq 'cli0: XDP program "other_pass" \(id [0-9]+, generic\) holds its XDP hook' \
	"$RUN_DIR/steerd.log"
check "no ifindex-only message" bash -c "! grep -q 'to ifindex' '$RUN_DIR/steerd.log'"
check "the TC program it attached to be1 is detached again" test ! -e "$PIN/links/tc-be1"
check "rolled back, and said so" grep -q "rolled back: steer_tc detached from be1" "$RUN_DIR/steerd.log"
check "be2, steered before this start, still is" test -e "$PIN/links/tc-be2"
check "no XDP link of steer on cli0" test ! -e "$PIN/links/xdp-cli0"
check "the other program still holds cli0" bash -c "ip -n $(ns gw) link show cli0 | grep -q xdpgeneric"

summary
