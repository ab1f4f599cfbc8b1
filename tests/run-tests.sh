#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Run steer's test suites and print one closing line "N passed, N failed".
#   tests/run-tests.sh [unit|bpf|fuzz|e2e ...]    (default: all four)
# cmocka binaries report their own counts; namespace tests (tests/e2e/*.sh)
# count one each, or print their own "N passed, N failed" line. Exit code
# 77 from a test means "skipped" (e.g. not root). Exits 1 on any failure
# or when nothing ran. fuzz: each libFuzzer harness (make fuzz-build) runs
# its regression inputs and FUZZ_SECONDS (default 5) of fuzzing.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${STEER_OUT:-.output} # make test-asan: .output/san
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit bpf fuzz e2e)

passed=0
failed=0
skipped=0
failures=()

# Run one command, add its counts. $1: label; rest: command.
run_one() {
	local label=$1
	shift
	local log
	log=$(mktemp)
	echo "=== $label"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local p f line
	# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s), listed below:"
	p=$(grep -aE '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	f=$(grep -aE '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	# our own plain line: "[word: ]N passed, N failed"
	line=$(grep -aE '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -n "$line" ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		p=$(echo "$line" | sed -E 's/^([A-Za-z0-9_-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$line" | sed -E 's/^([A-Za-z0-9_-]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/')
	fi
	if [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "--- $label: skipped"
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		# no counts printed: the exit code is the verdict
		if [ "$rc" -eq 0 ]; then p=1; else f=1; fi
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed after its counts
	fi
	if [ "$rc" -ne 77 ]; then
		passed=$((passed + p))
		failed=$((failed + f))
		[ "$f" -gt 0 ] && failures+=("$label")
		echo "--- $label: $p passed, $f failed (exit $rc)"
	fi
	rm -f "$log"
}

for s in "${suites[@]}"; do
	case $s in
	unit)
		for t in "$OUT"/tests/unit/test_*; do
			[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
		done
		;;
	bpf)
		for t in "$OUT"/tests/bpf/test_*; do
			[ -x "$t" ] && run_one "bpf/$(basename "$t")" "$t"
		done
		;;
	fuzz)
		n=0
		for t in "$OUT"/fuzz/bin/fuzz_*; do
			[ -x "$t" ] || continue
			run_one "fuzz/$(basename "$t")" tests/fuzz/run.sh "$t"
			n=$((n + 1))
		done
		[ "$n" -gt 0 ] || echo "run-tests: no fuzz harness built (make fuzz-build): fuzz suite empty"
		;;
	e2e)
		for t in tests/e2e/*.sh; do
			[ -f "$t" ] || continue
			case $(basename "$t") in lib*.sh) continue ;; esac
			run_one "e2e/$(basename "$t" .sh)" bash "$t"
		done
		;;
	*)
		echo "run-tests: unknown suite '$s' (expected unit, bpf, fuzz or e2e)" >&2
		exit 2
		;;
	esac
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
