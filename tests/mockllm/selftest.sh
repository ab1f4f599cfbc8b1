#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Loopback self-test of mockllm; needs no root and touches nothing but
# 127.0.0.1/::1 ports it lets the kernel pick and a /tmp/steer-mockllm-* dir.
#
#   tests/mockllm/selftest.sh [path/to/mockllm]
#
# Prints "mockllm: N passed, N failed" (the tests/run-tests.sh format);
# exits non-zero on any failure.
set -uo pipefail

BIN=${1:-$(cd "$(dirname "$0")/../.." && pwd)/.output/mockllm}
DIR=$(mktemp -d /tmp/steer-mockllm-XXXXXX)
PIDS=()
N_PASS=0
N_FAIL=0

cleanup() {
	local p

	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

for t in curl timeout; do
	command -v $t >/dev/null || { echo "mockllm selftest: $t missing, skipped"; exit 77; }
done
[ -x "$BIN" ] || { echo "mockllm selftest: $BIN not built (make .output/mockllm)"; exit 1; }

pass() { N_PASS=$((N_PASS + 1)); }
fail() { N_FAIL=$((N_FAIL + 1)); echo "FAIL: $*"; }

# check DESC CMD...: CMD must succeed
check() {
	local desc=$1

	shift
	if "$@" >/dev/null 2>&1; then pass; else fail "$desc"; fi
}

# expect DESC GOT WANT
expect() {
	if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', want '$3'"; fi
}

# has DESC HAYSTACK NEEDLE (fixed string)
has() {
	if grep -qF -- "$3" <<<"$2"; then pass; else fail "$1: no '$3' in: ${2:0:300}"; fi
}

# start_on ADDR NAME ARGS...: run a backend on ADDR:0; sets PID and PORT, or fails
start_on() {
	local addr=$1 name=$2 i

	shift 2
	"$BIN" --listen "$addr:0" --name "$name" --log "$DIR/$name.log" "$@" \
		2>"$DIR/$name.err" &
	PID=$!
	PIDS+=("$PID")
	for i in $(seq 100); do
		PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p' "$DIR/$name.err")
		[ -n "$PORT" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

# start NAME ARGS...: run a backend on 127.0.0.1:0; sets PID and PORT
start() {
	start_on 127.0.0.1 "$@" && return 0
	echo "mockllm $1 did not start:"
	cat "$DIR/$1.err"
	exit 1
}

# raw PORT DATA: send bytes (printf format) on a fresh connection, print the reply
raw() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "$2" >&3
		timeout 2 cat <&3
	) 2>/dev/null
}

status_of() { head -1 | cut -d' ' -f2; }

metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" 'index($0, n "{") == 1 { print $2 }'; }

U=http://127.0.0.1
CHAT='{"model":"m1","messages":[{"role":"user","content":"hello there"}]'

# ---- basics ----
start b1 --model m1 --slots 2 --ttft-ms 50 --tps 100
P1=$PID
B1=$PORT

r=$(curl -si "$U:$B1/health")
has "health 200" "$r" "HTTP/1.1 200"
has "health X-Backend" "$r" "X-Backend: b1"
has "health body" "$r" '{"status":"ok","backend":"b1"'
has "models" "$(curl -s "$U:$B1/v1/models")" '"id":"m1"'

t0=$(date +%s%N)
r=$(curl -s "$U:$B1/v1/chat/completions" -d "$CHAT,\"max_tokens\":5}")
ms=$((($(date +%s%N) - t0) / 1000000))
has "chat object" "$r" '"object":"chat.completion"'
has "chat content" "$r" '"content":"tok0 tok1 tok2 tok3 tok4 "'
has "chat finish length" "$r" '"finish_reason":"length"'
has "chat usage" "$r" '"usage":{"prompt_tokens":2,"completion_tokens":5,"total_tokens":7}'
has "chat backend" "$r" '"backend":"b1"'
check "chat took ttft + 5/tps (${ms} ms)" test "$ms" -ge 100 -a "$ms" -lt 400
r=$(curl -s "$U:$B1/v1/chat/completions" -d "$CHAT}")
has "default max_tokens, finish stop" "$r" '"completion_tokens":16'
has "finish stop" "$r" '"finish_reason":"stop"'
r=$(curl -s "$U:$B1/v1/completions" -d '{"prompt":"a b c","max_tokens":2}')
has "completion" "$r" '"object":"text_completion"'
has "completion text" "$r" '"text":"tok0 tok1 "'

r=$(curl -siN "$U:$B1/v1/chat/completions" \
	-d "$CHAT,\"max_tokens\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
has "stream content type" "$r" "Content-Type: text/event-stream"
has "stream X-Backend" "$r" "X-Backend: b1"
expect "stream events" "$(grep -c '^data: {' <<<"$r")" 5
has "stream first chunk" "$r" '"delta":{"role":"assistant","content":"tok0 "}'
has "stream last chunk" "$r" '"delta":{},"logprobs":null,"finish_reason":"length"'
has "stream usage" "$r" '"choices":[],"usage":{"prompt_tokens":2'
has "stream done" "$r" "data: [DONE]"

# ---- load shows in /metrics ----
hsum() { metric "$B1" "vllm:$1_seconds_sum"; }
h0=$(metric "$B1" vllm:request_prefill_time_seconds_count)
p0=$(hsum request_prefill_time) q0=$(hsum request_queue_time) t0=$(hsum time_to_first_token)
curl -s "$U:$B1/admin/config" -d '{"ttft_ms":1000}' >/dev/null
cpids=()
for i in 1 2 3 4 5; do
	curl -s -o /dev/null "$U:$B1/v1/completions" -d '{"prompt":"x","max_tokens":2}' &
	cpids+=($!)
done
sleep 0.4
expect "running with 2 slots, 5 requests" "$(metric "$B1" vllm:num_requests_running)" 2
expect "waiting" "$(metric "$B1" vllm:num_requests_waiting)" 3
expect "kv use" "$(metric "$B1" vllm:kv_cache_usage_perc)" 1
wait "${cpids[@]}"
expect "running after" "$(metric "$B1" vllm:num_requests_running)" 0
expect "waiting after" "$(metric "$B1" vllm:num_requests_waiting)" 0
# vLLM's histograms (v1/metrics/stats.py): 2 slots, 5 requests of ~1.02 s:
# prefill (slot -> first token) 5 x 1 s; queue 0 + 0 + 1 + 1 + 2 s; TTFT
# from arrival, both
expect "prefill histogram: each finished request" \
	"$(metric "$B1" vllm:request_prefill_time_seconds_count)" $((h0 + 5))
dp=$(awk -v a="$p0" -v b="$(hsum request_prefill_time)" 'BEGIN { print b - a }')
dq=$(awk -v a="$q0" -v b="$(hsum request_queue_time)" 'BEGIN { print b - a }')
dt=$(awk -v a="$t0" -v b="$(hsum time_to_first_token)" 'BEGIN { print b - a }')
check "prefill sum 5 x 1 s, no queue in it ($dp s)" awk -v v="$dp" 'BEGIN { exit !(v > 4.95 && v < 5.5) }'
check "queue sum ~4 s ($dq s)" awk -v v="$dq" 'BEGIN { exit !(v >= 3.9 && v < 4.8) }'
check "TTFT = queue + prefill ($dt s)" awk -v t="$dt" -v s="$(awk -v a="$dp" -v b="$dq" 'BEGIN { print a + b }')" \
	'BEGIN { exit !(t - s > -0.05 && t - s < 0.3) }'
curl -s "$U:$B1/admin/config" -d '{"ttft_ms":50}' >/dev/null

# ---- bad input ----
expect "garbage" "$(raw "$B1" 'GARBAGE\r\n\r\n' | status_of)" 400
expect "binary" "$(raw "$B1" '\x00\x01\xff\r\n\r\n' | status_of)" 400
expect "HTTP/2.0" "$(raw "$B1" 'GET /health HTTP/2.0\r\n\r\n' | status_of)" 505
expect "bad header" "$(raw "$B1" 'GET /health HTTP/1.1\r\nno colon\r\n\r\n' | status_of)" 400
expect "huge Content-Length" \
	"$(raw "$B1" 'POST /v1/completions HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n' | status_of)" 413
expect "404" "$(curl -s -o /dev/null -w '%{http_code}' "$U:$B1/nope")" 404
expect "405" "$(curl -s -o /dev/null -w '%{http_code}' "$U:$B1/v1/completions")" 405
for body in '{bad' '[]' '{}' '{"prompt":5}' '{"prompt":"x","max_tokens":"3"}' \
	'{"prompt":"x","max_tokens":0}' '{"prompt":"x","stream":1}' '{"prompt":"x","model":1}'; do
	r=$(curl -s -w ' %{http_code}' "$U:$B1/v1/completions" -d "$body")
	has "reject $body" "$r" '"error":{"message":'
	expect "status for $body" "${r##* }" 400
done
r=$(curl -s -w ' %{http_code}' "$U:$B1/v1/chat/completions" -d '{"messages":[{"content":"x"}]}')
expect "message without role" "${r##* }" 400
r=$(raw "$B1" 'POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"pro\r\n18\r\nmpt":"x","max_tokens":2}\r\n0\r\n\r\n')
has "chunked request body" "$r" '"text":"tok0 tok1 "'
r=$(raw "$B1" 'GET /health HTTP/1.1\r\n\r\nGET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n')
expect "pipelined" "$(grep -c 'HTTP/1.1 200' <<<"$r")" 2
check "still serving" curl -sf "$U:$B1/health"

# ---- a client leaving mid-stream ----
timeout 0.3 curl -sN "$U:$B1/v1/completions" -d '{"prompt":"x","max_tokens":100,"stream":true}' \
	>/dev/null
sleep 0.2
has "abort logged as 499" "$(cat "$DIR/b1.log")" "status=499"
check "alive after abort" curl -sf "$U:$B1/health"

# ---- health and speed at runtime ----
curl -s "$U:$B1/admin/config" -d '{"healthy":false}' >/dev/null
expect "admin healthy=false" "$(curl -s -o /dev/null -w '%{http_code}' "$U:$B1/health")" 503
kill -USR1 "$P1"
sleep 0.1
expect "SIGUSR1 toggles health" "$(curl -s -o /dev/null -w '%{http_code}' "$U:$B1/health")" 200
kill -USR2 "$P1"
sleep 0.1
ms=$(curl -s -o /dev/null -w '%{time_total}' "$U:$B1/v1/completions" \
	-d '{"prompt":"x","max_tokens":5}' | awk '{print int($1 * 1000)}')
check "SIGUSR2 slow mode x4 (${ms} ms)" test "$ms" -ge 400
kill -USR2 "$P1"
r=$(curl -s "$U:$B1/admin/config" -d '{"slots":"many"}')
has "admin rejects bad types" "$r" '"error"'

# ---- log ----
l=$(grep 'path=/v1/chat/completions status=200' "$DIR/b1.log" | head -1)
has "log peer" "$l" "peer=127.0.0.1:"
has "log fields" "$l" "model=m1 tokens=5 queue_ms="
has "log backend" "$l" "backend=b1"

# ---- other engines, IPv6 ----
start s1 --engine sglang --model m2
has "sglang metrics" "$(curl -s "$U:$PORT/metrics")" 'sglang:num_queue_reqs{engine_type="unified",model_name="m2"} 0'
curl -s -o /dev/null "$U:$PORT/v1/completions" -d '{"prompt":"x","max_tokens":1}'
r=$(curl -s "$U:$PORT/metrics")
has "sglang queue histogram (collector.py)" "$r" 'sglang:queue_time_seconds_count{engine_type="unified",model_name="m2"} 1'
has "sglang TTFT histogram" "$r" 'sglang:time_to_first_token_seconds_count{engine_type="unified",model_name="m2"} 1'
start s2 --engine sglang --no-metrics
has "sglang without --enable-metrics" "$(curl -s -w ' %{http_code}' "$U:$PORT/metrics")" ' 404'
start c1 --engine chitu --model m3 --max-concurrent 8
has "chitu load_status" "$(curl -s -X POST "$U:$PORT/load_status")" '"handle_reqs":"0","max_batch_size":"4","max_concurrent_requests":"8"'
has "chitu ping" "$(curl -s -X POST "$U:$PORT/ping")" '"message":"Connection succeeded"'
has "chitu server_status" "$(curl -s "$U:$PORT/server_status")" '"initialized":true'
has "chitu has no /metrics" "$(curl -s -w ' %{http_code}' "$U:$PORT/metrics")" ' 404'
start c2 --engine chitu
has "chitu limit unset" "$(curl -s -X POST "$U:$PORT/load_status")" '"max_concurrent_requests":""'
if start_on '[::1]' v6; then	# skipped where IPv6 is off
	has "IPv6 listener" "$(curl -s "http://[::1]:$PORT/health")" '"backend":"v6"'
	has "IPv6 peer logged" "$(cat "$DIR/v6.log")" "peer=[::1]:"
fi

# ---- clean shutdown ----
kill -TERM "$P1"
wait "$P1"
expect "SIGTERM exit code" "$?" 0

echo "mockllm: $N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
