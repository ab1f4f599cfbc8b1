#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make test-asan: the ASan + UBSan build (.output/san, make san-build) runs
#   - the unit tests;
#   - the namespace tests that drive steerd: steerd.sh, steerctl.sh,
#     ctlsock.sh, caps.sh;
#   - tests/asan/leaks.sh: LeakSanitizer finds no leak in steerd across
#     100 reloads and 1,000 control requests.
# Every sanitizer report of every process (steerd, steerctl, mockllm, the
# tests) goes to a file in a report directory: any file there fails the run.
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
export STEER_OUT=${STEER_OUT:-.output/san}
[ -x "$STEER_OUT/steerd" ] || { echo "test-asan: no $STEER_OUT/steerd (make san-build)" >&2; exit 2; }
reports=$(mktemp -d /tmp/steer-asan-XXXX)
chmod 1777 "$reports" # steerctl also runs as nobody in the tests
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan:exitcode=23"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="log_path=$reports/lsan"
STEER_OUT=$(cd "$STEER_OUT" && pwd)
export STEER_OUT

tests/run-tests.sh unit >"$reports/unit.log" 2>&1
unit_rc=$?
tail -3 "$reports/unit.log"
passed=0
failed=0
[ "$unit_rc" -eq 0 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); grep -E "FAIL|failed:" "$reports/unit.log"; }
for t in steerd steerctl ctlsock caps; do
	if bash "tests/e2e/$t.sh" >"$reports/$t.log" 2>&1; then
		passed=$((passed + 1))
		echo "e2e/$t (asan): $(grep -E 'passed, [0-9]+ failed' "$reports/$t.log" | tail -1)"
	else
		failed=$((failed + 1))
		echo "FAIL: e2e/$t under ASan:"
		tail -20 "$reports/$t.log"
	fi
done
if bash tests/asan/leaks.sh >"$reports/leaks.log" 2>&1; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
grep -E "^(ok|FAIL)|passed" "$reports/leaks.log"
found=$(find "$reports" -name 'asan.*' -o -name 'ubsan.*' -o -name 'lsan.*' | sort)
if [ -n "$found" ]; then
	failed=$((failed + 1))
	for f in $found; do
		echo "=== sanitizer report $f"
		head -40 "$f"
	done
fi
echo "test-asan: $passed passed, $failed failed (logs in $reports)"
[ "$failed" -eq 0 ] && rm -rf "$reports"
[ "$failed" -eq 0 ]
