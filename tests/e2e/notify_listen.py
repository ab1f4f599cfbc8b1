# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""systemd's side of Type=notify for tests/e2e/notify.sh: bind an AF_UNIX
datagram socket, write each datagram received as one line (newlines as
'|') to OUT; on the first READY=1, ask steerd (steerctl status -j) how many
publishes it made and write "AT_READY publishes=N". Stops after STOPPING=1
or LIMIT seconds.

    python3 notify_listen.py SOCKET OUT LIMIT STEERCTL CTL_SOCKET
"""
import json
import socket
import subprocess
import sys
import time

path, out, limit, steerctl, ctl = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
end = time.monotonic() + limit
ready_seen = False
with open(out, "w", buffering=1) as f:
    f.write("LISTENING\n")
    while time.monotonic() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        f.write(msg.replace("\n", "|") + "\n")
        if "READY=1" in msg.split("\n") and not ready_seen:
            ready_seen = True
            r = subprocess.run([steerctl, "-j", "-s", ctl, "status"], capture_output=True,
                               text=True, timeout=10)
            try:
                pubs = json.loads(r.stdout)["decisions"]["publishes"]
            except (ValueError, KeyError, TypeError):
                pubs = "error:" + r.stdout + r.stderr
            f.write("AT_READY publishes=%s\n" % pubs)
        if "STOPPING=1" in msg.split("\n"):
            break
