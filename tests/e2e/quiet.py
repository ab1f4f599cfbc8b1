#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A keep-alive client that goes quiet: one TCP connection to a VIP, one chat
# completion, then nothing until the file GO exists (at most 120 s), then a
# second completion on the same connection. Prints "first BACKEND LOCAL_PORT", then "second BACKEND" (or
# "second - REASON" when the connection died), one line each; exit 0 only
# when both answered on one connection.
#   quiet.py SRC VIP PORT GO
import http.client
import json
import os
import sys
import time

src, vip, port, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}],
                   "max_tokens": 1})
conn = http.client.HTTPConnection(vip, port, timeout=10, source_address=(src, 0))


def ask():
    conn.request("POST", "/v1/chat/completions", body,
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        raise RuntimeError("HTTP %d" % r.status)
    return r.getheader("X-Backend") or "?"


first = ask()
port_used = conn.sock.getsockname()[1]
print("first", first, port_used, flush=True)
deadline = time.monotonic() + 120
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.1)
try:
    if conn.sock is None or conn.sock.getsockname()[1] != port_used:
        raise RuntimeError("connection was replaced")
    # http.client reconnects silently when the server closed: forbid it
    conn.auto_open = 0
    print("second", ask(), flush=True)
except Exception as e:  # noqa: BLE001 - any failure is the verdict
    print("second - %s" % e, flush=True)
    sys.exit(1)
