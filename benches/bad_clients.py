#!/usr/bin/env python3
"""Bad clients against an HTTP server (for benches/hyper.sh): 2,000
connections reset mid-response (GET /stream, read 16 KiB, close with
SO_LINGER 0 = RST) and 2,000 truncated POST bodies (Content-Length 65536,
1,000 bytes sent, then close), 16 at a time. After warm-up rounds of the
same (until RSS stops growing), the baseline is taken; after a second round the server must still
answer, its fd count must be back to the baseline and its RSS within
10 % of it (a leak grows RSS with every round).

    bad_clients.py HOST:PORT PID      -> one JSON line; exit 1 if a check fails
"""
import json
import os
import socket
import struct
import sys
import time
from concurrent.futures import ThreadPoolExecutor

host, port = sys.argv[1].rsplit(":", 1)
port = int(port)
pid = int(sys.argv[2])
N = int(os.environ.get("BAD_CLIENTS", "2000"))


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds():
    return len(os.listdir(f"/proc/{pid}/fd"))


def get_ok():
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.startswith(b"HTTP/1.1 200")


def reset_mid_response(_):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"GET /stream HTTP/1.1\r\nHost: b\r\n\r\n")
    got = 0
    while got < 16384:
        chunk = s.recv(16384)
        if not chunk:
            break
        got += len(chunk)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def truncated_post(_):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(
        b"POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 65536\r\n\r\n" + b"x" * 1000
    )
    s.close()


# Warm up before the baseline with one round of the same bad clients:
# the allocator's arenas and caches grow to their working size, so what
# is measured afterwards is what the bad clients leave behind.
# Rounds are repeated (at most 4) until RSS grows by under 2 % in one:
# glibc's per-thread arenas can take two rounds to reach their size when
# buffers are freed on another worker than the one that allocated them.
for _ in range(200):
    get_ok()
warmups = 0
while warmups < 4:
    before = rss_kib()
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(reset_mid_response, range(N)))
        list(ex.map(truncated_post, range(N)))
    time.sleep(0.5)
    warmups += 1
    if rss_kib() <= before * 1.02:
        break
base_fds, base_rss = fds(), rss_kib()
t0 = time.time()
with ThreadPoolExecutor(16) as ex:
    list(ex.map(reset_mid_response, range(N)))
    list(ex.map(truncated_post, range(N)))
elapsed = time.time() - t0
deadline = time.time() + 10
while fds() > base_fds and time.time() < deadline:
    time.sleep(0.1)
after_fds = fds()
answers = get_ok()
time.sleep(0.5)
after_rss = rss_kib()
result = {
    "resets": N,
    "truncated_posts": N,
    "seconds": round(elapsed, 2),
    "fds_before": base_fds,
    "fds_after": after_fds,
    "rss_kib_before": base_rss,
    "rss_kib_after": after_rss,
    "answers_after": answers,
    "warmup_rounds": warmups,
}
ok = answers and after_fds <= base_fds and after_rss <= base_rss * 1.10
result["ok"] = ok
print(json.dumps(result))
sys.exit(0 if ok else 1)
