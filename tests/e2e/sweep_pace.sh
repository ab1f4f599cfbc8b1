#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The conntrack sweep is paced: with probe rounds every 100 ms and an empty
# table (a pass per round if nothing held it back), conntrack_sweep_interval_ms
# 1000 gives about one pass a second over 4 s; 0 gives one per round.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

STEERD=$STEER_OUT/steerd
TOP=$(cd "$(dirname "$0")/../.." && pwd)
steer_init sweep_pace

passes() { # interval_ms: passes counted in 4 s
	sed -e '/^interfaces:/,/^[^ #]/{/^interfaces:/d;/^ /d}' \
		-e "s/^settings:.*/settings:\n  probe_interval_ms: 100\n  conntrack_sweep_interval_ms: $1/" \
		-e '/^  probe_interval_ms: 500/d' -e '/^  probe_timeout_ms:/d' -e '/^  staleness_ms:/d' \
		"$TOP/examples/policy.yaml" >"$RUN_DIR/policy-$1.yaml"
	"$STEERD" --foreground --no-attach --log-level debug --pin-root "$PIN" \
		--config "$RUN_DIR/policy-$1.yaml" --socket none --state "$RUN_DIR/state.json" \
		--metrics off >"$RUN_DIR/steerd-$1.log" 2>&1 &
	STEER_PIDS+=($!)
	sleep 4
	kill "${STEER_PIDS[-1]}"
	wait "${STEER_PIDS[-1]}" || true
	grep -c 'conntrack pass' "$RUN_DIR/steerd-$1.log" || true
}

fast=$(passes 0)
paced=$(passes 1000)
log "passes in 4 s: interval 0: $fast, interval 1000 ms: $paced"
check "without pacing, a pass per 100 ms round (>= 20 in 4 s, got $fast)" test "$fast" -ge 20
check "paced at 1 s: 3 to 5 passes in 4 s (got $paced)" test "$paced" -ge 3 -a "$paced" -le 5
summary
