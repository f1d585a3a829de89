#!/usr/bin/env bash
# hyper on myrt (`myrt::hyper`, benches/examples/hyper_server_myrt.rs) against
# hyper on tokio (hyper-util, benches/examples/hyper_server_tokio.rs): the
# same service code (examples/src/hyper_service.rs), the same worker count
# (one per CPU), interleaved rounds (myrt, tokio, myrt, tokio, ...).
#
# Cases:
#   get      wrk -t2 -c64 GET /                      req/s
#   post64k  wrk -t2 -c16 POST 64 KiB to /echo       req/s, server CPU µs per request
#   h2       h2load -c64 -m10 over h2c               req/s
#   c1000    wrk -t2 -c1000 --latency GET /          p50 / p99 / max, req/s
#   bad      benches/bad_clients.py: 2,000 resets mid-response + 2,000
#            truncated POSTs; fds back, RSS within 10 %, still answering
#
#   benches/hyper.sh                         # glibc malloc
#   MIMALLOC=1 benches/hyper.sh              # both servers on mimalloc
#   ROUNDS=3 HYPER_DURATION=10s benches/hyper.sh
#   HYPER_CASES="get h2" benches/hyper.sh
#
# Prints one line per run and a summary of medians; writes them as JSON to
# $CARGO_TARGET_DIR/bench-hyper.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
DURATION="${HYPER_DURATION:-10s}"
ROUNDS="${ROUNDS:-2}"
CASES="${HYPER_CASES:-get post64k h2 c1000 bad}"
WORKERS="$(nproc)"
FEATURES=()
ALLOC="glibc malloc"
if [[ -n "${MIMALLOC:-}" ]]; then
    FEATURES=(--features mimalloc)
    ALLOC="mimalloc"
fi
OUT="$CARGO_TARGET_DIR/bench-hyper.json"

for tool in wrk h2load python3; do
    command -v "$tool" >/dev/null || {
        echo "$tool not found: apt-get install -y wrk nghttp2-client python3" >&2
        exit 1
    }
done

echo "== building hyper_server_myrt and hyper_server_tokio (release, $ALLOC)"
cargo build --release -q -p myrt-benches "${FEATURES[@]}" \
    --example hyper_server_myrt --example hyper_server_tokio
BIN="$CARGO_TARGET_DIR/release/examples"

SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap stop_server EXIT

ADDR=127.0.0.1:18181
start_server() { # runtime
    "$BIN/hyper_server_$1" "$ADDR" "$WORKERS" >/dev/null &
    SERVER_PID=$!
    for _ in $(seq 100); do
        if python3 -c "import socket; socket.create_connection(('127.0.0.1', 18181), timeout=1)" 2>/dev/null; then
            return
        fi
        sleep 0.05
    done
    echo "hyper_server_$1 did not come up" >&2
    exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

POST_LUA="$(mktemp)"
cat >"$POST_LUA" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

RESULTS="$(mktemp)"
run_case() { # case runtime -> prints "key=value ..." 
    local case=$1 rt=$2 out
    start_server "$rt"
    case "$case" in
    get)
        out=$(wrk -t2 -c64 -d"$DURATION" "http://$ADDR/")
        echo "rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')"
        ;;
    post64k)
        local t0 t1 n
        t0=$(cpu_ticks)
        out=$(wrk -t2 -c16 -d"$DURATION" -s "$POST_LUA" "http://$ADDR/echo")
        t1=$(cpu_ticks)
        n=$(echo "$out" | awk '/requests in/{print $1}')
        echo "rps=$(echo "$out" | awk '/Requests\/sec/{print $2}') cpu_us_per_req=$(python3 -c "print(round(($t1 - $t0) * $TICK_US / $n, 2))")"
        ;;
    h2)
        out=$(h2load -c64 -m10 -t2 -D"${DURATION%s}" "http://$ADDR/" 2>&1)
        echo "rps=$(echo "$out" | grep -oP 'finished in [0-9.]+s, \K[0-9.]+(?= req/s)')"
        ;;
    c1000)
        out=$(wrk -t2 -c1000 -d"$DURATION" --latency "http://$ADDR/")
        echo "p50=$(echo "$out" | awk '/^ +50%/{print $2}') p99=$(echo "$out" | awk '/^ +99%/{print $2}') max=$(echo "$out" | awk '/Latency/ && !/Distribution/{print $4}') rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')"
        ;;
    bad)
        out=$(python3 benches/bad_clients.py "$ADDR" "$SERVER_PID" || true)
        echo "$out"
        ;;
    esac
    stop_server
}

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg); $WORKERS workers each; $DURATION per run; $ROUNDS rounds"
for case in $CASES; do
    rounds=$ROUNDS
    [[ "$case" == bad ]] && rounds=1
    for round in $(seq "$rounds"); do
        for rt in myrt tokio; do
            line=$(run_case "$case" "$rt")
            echo "$case $rt round$round: $line"
            echo "$case $rt $line" >>"$RESULTS"
        done
    done
done

python3 - "$RESULTS" "$OUT" "$ALLOC" <<'PY'
import json, re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    case, rt, rest = line.split(" ", 2)
    if rest.startswith("{"):
        rows.setdefault((case, rt), []).append(json.loads(rest))
        continue
    vals = {}
    for k, v in re.findall(r"(\w+)=(\S+)", rest):
        m = re.match(r"([0-9.]+)(us|ms|s)?$", v)
        if m:
            x = float(m.group(1)) * {None: 1, "us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
            vals[k] = x
    rows.setdefault((case, rt), []).append(vals)
summary = {}
for (case, rt), runs in rows.items():
    if case == "bad":
        summary[f"{case}/{rt}"] = runs[0]
        continue
    keys = runs[0].keys()
    summary[f"{case}/{rt}"] = {k: statistics.median(r[k] for r in runs if k in r) for k in keys}
summary["allocator"] = sys.argv[3]
json.dump(summary, open(sys.argv[2], "w"), indent=1)
print("== medians (latencies in ms)")
for k, v in summary.items():
    print(f"  {k}: {v}")
PY
rm -f "$POST_LUA" "$RESULTS"
