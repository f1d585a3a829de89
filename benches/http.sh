#!/usr/bin/env bash
# HTTP keep-alive comparison: examples/http_hello (myrt) against
# benches/examples/http_hello_tokio (the same parser and response on tokio),
# each under `wrk -t2 -c64 -d10s` on 127.0.0.1, one after the other.
#
#   benches/http.sh                  # prints requests/s for both and the ratio
#   HTTP_DURATION=3s benches/http.sh # shorter run
#
# Both servers run with one worker per CPU (myrt's default; the tokio twin is
# given the same count). Results are also written as JSON to
# $CARGO_TARGET_DIR/bench-http.json for benches/report.py.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
DURATION="${HTTP_DURATION:-10s}"
THREADS="${HTTP_THREADS:-2}"
CONNS="${HTTP_CONNS:-64}"
WORKERS="$(nproc)"
OUT="$CARGO_TARGET_DIR/bench-http.json"

command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }

echo "== building http_hello (myrt) and http_hello_tokio (release)"
cargo build --release -q -p myrt-examples --example http_hello
cargo build --release -q -p myrt-benches --example http_hello_tokio

SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# Fetches one response and prints its raw bytes (repr), to check that both
# servers answer with exactly the same bytes.
fetch_raw() {
    python3 - "$1" <<'EOF'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
for _ in range(100):
    try:
        s = socket.create_connection((host, int(port)), timeout=2)
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit(f"server on {sys.argv[1]} did not come up")
s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + 14:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(repr(data))
EOF
}

# run_one NAME ADDR CMD... : starts the server, checks it, runs wrk, stops it.
# Leaves the requests/s figure in $RPS.
run_one() {
    local name="$1" addr="$2"
    shift 2
    "$@" >/dev/null &
    SERVER_PID=$!
    local raw
    raw="$(fetch_raw "$addr")"
    echo "$name response: $raw"
    echo "$raw" >"$CARGO_TARGET_DIR/bench-http-$name.response"
    # A short warm-up, then the measured run.
    wrk -t"$THREADS" -c"$CONNS" -d1s "http://$addr/" >/dev/null
    local report
    report="$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "http://$addr/")"
    echo "$report"
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    if grep -q "Non-2xx\|Socket errors" <<<"$report"; then
        echo "warning: $name had errors (see above)" >&2
    fi
    RPS="$(awk '/^Requests\/sec:/ {print $2}' <<<"$report")"
    [[ -n "$RPS" ]] || { echo "no Requests/sec line from wrk for $name" >&2; exit 1; }
}

echo "== wrk -t$THREADS -c$CONNS -d$DURATION, $WORKERS workers each"
RPS=""
run_one myrt 127.0.0.1:18080 "$CARGO_TARGET_DIR/release/examples/http_hello" 127.0.0.1:18080
MYRT_RPS="$RPS"
run_one tokio 127.0.0.1:18081 "$CARGO_TARGET_DIR/release/examples/http_hello_tokio" 127.0.0.1:18081 "$WORKERS"
TOKIO_RPS="$RPS"

if ! cmp -s "$CARGO_TARGET_DIR/bench-http-myrt.response" "$CARGO_TARGET_DIR/bench-http-tokio.response"; then
    echo "warning: the two servers answered with different bytes" >&2
fi

python3 - "$MYRT_RPS" "$TOKIO_RPS" "$OUT" "$THREADS" "$CONNS" "$DURATION" "$WORKERS" <<'EOF'
import json, sys
myrt, tokio = float(sys.argv[1]), float(sys.argv[2])
out, threads, conns, duration, workers = sys.argv[3:8]
print(f"myrt  http_hello       {myrt:12.0f} req/s")
print(f"tokio http_hello_tokio {tokio:12.0f} req/s")
print(f"ratio myrt/tokio       {myrt / tokio:12.3f}")
with open(out, "w") as f:
    json.dump({"myrt": myrt, "tokio": tokio,
               "wrk": f"-t{threads} -c{conns} -d{duration}",
               "workers": int(workers)}, f)
EOF
