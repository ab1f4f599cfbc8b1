# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Does a flows request hold up other clients? (tests/e2e/ctlsock.sh)

    ctlorder.py SOCKET

Sends `flows` on one connection, 20 ms later `status` on another, and
prints which reply came first ("status first" / "flows first"), the
status latency in ms and the flows reply's total.
"""
import json
import socket
import sys
import time

path = sys.argv[1]
a = socket.socket(socket.AF_UNIX)
a.connect(path)
b = socket.socket(socket.AF_UNIX)
b.connect(path)
fa, fb = a.makefile("rwb"), b.makefile("rwb")
fa.write(b'{"cmd":"flows","args":{"limit":1}}\n')
fa.flush()
time.sleep(0.02)
t0 = time.monotonic()
fb.write(b'{"cmd":"status"}\n')
fb.flush()
json.loads(fb.readline())
status_ms = (time.monotonic() - t0) * 1000
a.setblocking(False)
try:
    flows_done = bool(a.recv(1, socket.MSG_PEEK))
except BlockingIOError:
    flows_done = False
a.setblocking(True)
rep = json.loads(fa.readline())
flows_ms = (time.monotonic() - t0) * 1000 + 20
print("%s, status in %.1f ms, flows in %.0f ms, total %s" % (
    "flows first" if flows_done else "status first", status_ms, flows_ms,
    rep.get("result", {}).get("total")))
