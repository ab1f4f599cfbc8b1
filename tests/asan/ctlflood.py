# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send N control requests to steerd over C connections (tests/asan/leaks.sh).

    ctlflood.py SOCKET N C

Each connection pipelines its share of a mix of read commands and runtime
changes (drain / undrain), then reads every reply. Prints
"N requests, K ok, E errors" and exits 0 when every reply is ok.
"""
import json
import socket
import sys

path, n, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
MIX = [
    {"cmd": "status"},
    {"cmd": "backend list"},
    {"cmd": "backend show", "args": {"name": "be1"}},
    {"cmd": "tenant list"},
    {"cmd": "tenant show", "args": {"name": "lab"}},
    {"cmd": "service list"},
    {"cmd": "policy show"},
    {"cmd": "policy dump"},
    {"cmd": "state show"},
    {"cmd": "flows", "args": {"limit": 10}},
    {"cmd": "explain", "args": {"src": "198.18.1.2", "sport": 40000, "dst": "198.18.100.1",
                                "dport": 80, "proto": "tcp"}},
    {"cmd": "backend drain", "args": {"name": "be2"}},
    {"cmd": "backend undrain", "args": {"name": "be2"}},
    {"cmd": "no such command"},  # an error reply: counted apart
]
ok = errors = expected_errors = 0
sent = 0
for c in range(conns):
    share = n // conns + (1 if c < n % conns else 0)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rwb")
    reqs = [MIX[(sent + i) % len(MIX)] for i in range(share)]
    for r in reqs:
        f.write((json.dumps(r) + "\n").encode())
    f.flush()
    for r in reqs:
        line = f.readline()
        rep = json.loads(line)
        if r["cmd"] == "no such command":
            expected_errors += not rep["ok"]
        elif rep["ok"]:
            ok += 1
        else:
            errors += 1
            print("error reply to %s: %s" % (r["cmd"], rep.get("error")), file=sys.stderr)
    sent += share
    s.close()
print("%d requests, %d ok, %d errors, %d expected errors" % (sent, ok, errors, expected_errors))
sys.exit(0 if errors == 0 and ok + expected_errors == sent else 1)
