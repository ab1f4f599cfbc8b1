#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Run one libFuzzer harness the way tests/run-tests.sh's fuzz suite does:
#   tests/fuzz/run.sh .output/fuzz/bin/fuzz_NAME      (FUZZ_SECONDS, default 5)
# 1. every regression input in tests/fuzz/regress/NAME/ (crashes found
#    before, fixed since) runs once;
# 2. the fuzzer runs FUZZ_SECONDS from the seed corpus tests/fuzz/corpus/NAME/
#    (copied: new inputs stay out of the repository).
# A crash leaves its input in the run directory (printed): fix the bug, add
# the input to tests/fuzz/regress/NAME/. Prints executions and coverage
# (libFuzzer's "cov": edges reached), then "fuzz_NAME: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$1
name=$(basename "$bin")
name=${name#fuzz_}
secs=${FUZZ_SECONDS:-5}
work=$(mktemp -d "/tmp/steer-fuzz-$name-XXXX")
passed=0
failed=0

if [ -d "tests/fuzz/regress/$name" ] && [ -n "$(ls "tests/fuzz/regress/$name")" ]; then
	if "$bin" -artifact_prefix="$work/" tests/fuzz/regress/"$name"/* >"$work/regress.log" 2>&1; then
		passed=$((passed + 1))
		echo "regression inputs: $(ls "tests/fuzz/regress/$name" | wc -l) ok"
	else
		failed=$((failed + 1))
		tail -30 "$work/regress.log"
		echo "FAIL: a regression input of $name crashes again"
	fi
fi
mkdir -p "$work/corpus"
cp tests/fuzz/corpus/"$name"/* "$work/corpus/"
"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" \
	"$work/corpus" >"$work/fuzz.log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$work/fuzz.log" | tail -1)
echo "$name: ${execs:-?} executions in ${secs} s, ${cov:-no coverage line}, corpus $(ls "$work/corpus" | wc -l) inputs"
if [ "$rc" -eq 0 ]; then
	passed=$((passed + 1))
	rm -rf "$work"
else
	failed=$((failed + 1))
	grep -E "ERROR|SUMMARY|#[0-9]+ 0x" "$work/fuzz.log" | head -20
	echo "FAIL: $name crashed; input and log kept in $work"
fi
echo "fuzz_$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
