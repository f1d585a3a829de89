#!/usr/bin/env bash
# Syscalls per HTTP request: examples/http_hello (myrt) and
# benches/examples/http_hello_tokio under the same wrk load, each server's
# syscalls counted with `perf stat -e 'syscalls:sys_enter_*'` (needs perf
# and tracepoint access, i.e. root or perf_event_paranoid <= -1), then
# divided by the requests wrk completed. Prints one Markdown table.
#
#   benches/syscalls.sh               # wrk -t2 -c64 -d5s
#   SYSCALL_DURATION=10s benches/syscalls.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
DURATION="${SYSCALL_DURATION:-5s}"
WORKERS="$(nproc)"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf not found: apt-get install -y linux-perf" >&2; exit 1; }

cargo build --release -q -p myrt-examples --example http_hello
cargo build --release -q -p myrt-benches --example http_hello_tokio

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
    rm -rf "$TMP"
}
trap cleanup EXIT

# run_one NAME ADDR CMD...: starts the server, counts its syscalls while
# wrk runs, writes NAME.perf and NAME.wrk into $TMP.
run_one() {
    local name="$1" addr="$2"
    shift 2
    "$@" >/dev/null 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break
        sleep 0.05
    done
    perf stat -x, -e 'syscalls:sys_enter_*' -p "$SERVER_PID" -o "$TMP/$name.perf" &
    local perf_pid=$!
    sleep 0.2
    wrk -t2 -c64 -d"$DURATION" "http://$addr/" > "$TMP/$name.wrk"
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

run_one myrt 127.0.0.1:18090 "$CARGO_TARGET_DIR/release/examples/http_hello" 127.0.0.1:18090
run_one tokio 127.0.0.1:18091 "$CARGO_TARGET_DIR/release/examples/http_hello_tokio" 127.0.0.1:18091 "$WORKERS"

python3 - "$TMP" <<'PY'
import re, sys
tmp = sys.argv[1]
def load(name):
    reqs = 0
    for line in open(f"{tmp}/{name}.wrk"):
        m = re.match(r"\s*(\d+) requests in", line)
        if m:
            reqs = int(m.group(1))
    counts = {}
    for line in open(f"{tmp}/{name}.perf"):
        parts = line.strip().split(",")
        if len(parts) > 2 and parts[2].startswith("syscalls:sys_enter_"):
            try:
                n = int(parts[0])
            except ValueError:
                continue
            if n:
                counts[parts[2][len("syscalls:sys_enter_"):]] = n
    return reqs, counts
m_reqs, m = load("myrt")
t_reqs, t = load("tokio")
names = sorted(set(m) | set(t), key=lambda k: -(m.get(k, 0) / max(m_reqs, 1) + t.get(k, 0) / max(t_reqs, 1)))
print(f"| syscall | myrt per request | tokio per request |")
print("| --- | ---: | ---: |")
for k in names:
    a, b = m.get(k, 0) / max(m_reqs, 1), t.get(k, 0) / max(t_reqs, 1)
    if a >= 0.001 or b >= 0.001:
        print(f"| {k} | {a:.3f} | {b:.3f} |")
print(f"| **all** | **{sum(m.values()) / max(m_reqs, 1):.3f}** | **{sum(t.values()) / max(t_reqs, 1):.3f}** |")
print(f"\nrequests: myrt {m_reqs:,}, tokio {t_reqs:,} (wrk -t2 -c64, counted while it ran)")
PY
