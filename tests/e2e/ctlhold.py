# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Hold N idle connections to steerd's control socket (tests/e2e/ctlsock.sh).

    ctlhold.py SOCKET N STATUS_FILE

Connects N times and sends nothing. After 1 s writes "accepted K" to
STATUS_FILE (a connection steerd refused got its "too many" reply and EOF),
then waits until every connection is closed by steerd, and writes
"closed ALL after S s". Exits when they are all closed (or after 60 s).
"""
import os
import select
import socket
import sys
import time

path, n, status = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
start = time.monotonic()
time.sleep(1.0)


def closed(s):
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        while True:
            b = s.recv(4096, socket.MSG_DONTWAIT)
            if not b:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


refused = [s for s in socks if closed(s)]
with open(status + ".tmp", "w") as f:
    f.write("accepted %d\n" % (n - len(refused)))
os.rename(status + ".tmp", status)
live = [s for s in socks if s not in refused]
while live and time.monotonic() - start < 60:
    r, _, _ = select.select(live, [], [], 0.1)
    live = [s for s in live if not (s in r and closed(s))]
with open(status, "a") as f:
    f.write("closed %s after %.1f s\n" % ("all" if not live else "not all",
                                          time.monotonic() - start))
