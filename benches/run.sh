#!/usr/bin/env bash
# Runs every criterion bench of myrt-benches (myrt and tokio side by side in
# each), then benches/http.sh (wrk against http_hello and its tokio twin),
# and regenerates docs/benchmarks.md + docs/benchmarks.svg from the results
# with benches/report.py. About 25 minutes on 2 cores, builds included (half
# of it the mimalloc pass).
#
#   benches/run.sh                 # everything
#   benches/run.sh tcp_echo        # only benches matching a criterion filter
#   NO_HTTP=1 benches/run.sh       # skip the wrk comparison
#   NO_MP=1 benches/run.sh         # skip multiprocessing beside CPython (examples/mp_compare.rs)
#   NO_HYPER=1 benches/run.sh      # skip hyper on both runtimes (benches/hyper.sh, glibc + mimalloc)
#   NO_PAIRED=1 benches/run.sh     # skip the interleaved pairs (examples/paired.rs;
#                                  # also skipped when a filter is given)
#   NO_MIMALLOC=1 benches/run.sh   # glibc malloc only (by default the criterion
#                                  # benches and the pairs run a second time with
#                                  # --features mimalloc, for the report's mimalloc
#                                  # column and table)
#   BENCH_WARMUP=2 BENCH_MEASURE=5 benches/run.sh   # longer, steadier runs
#
# Only results produced by this run go into the report (older criterion
# output in the target directory is ignored), so a filtered run gives a
# partial report. Run it on a quiet machine: every figure is wall time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
WARMUP="${BENCH_WARMUP:-1}"
MEASURE="${BENCH_MEASURE:-3}"
mkdir -p "$CARGO_TARGET_DIR"
LOG="$CARGO_TARGET_DIR/bench-run.log"
# One second of slack: report.py compares file times with this.
SINCE=$(($(date +%s) - 1))
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== load before the run: $LOAD (figures are wall time; keep the machine quiet)"
echo "== building the benches"
cargo bench -q -p myrt-benches --bench '*' --no-run

echo "== criterion: warm-up ${WARMUP}s, measurement ${MEASURE}s per benchmark (log: $LOG)"
# --bench '*': every [[bench]] target, and not the lib's test harness (it
# would reject criterion's options).
set +e
cargo bench -q -p myrt-benches --bench '*' -- \
    --warm-up-time "$WARMUP" --measurement-time "$MEASURE" "$@" 2>&1 | tee "$LOG" |
    grep -E --line-buffered '^[a-z].*(time:|thrpt:)|^ +(time|thrpt):|^[a-z][A-Za-z0-9_/.-]*$' |
        grep -v --line-buffered '%'
status=("${PIPESTATUS[@]}")
set -e
if [[ "${status[0]}" -ne 0 ]]; then
    echo "cargo bench failed (exit ${status[0]}), see $LOG" >&2
    exit 1
fi

MI_CRITERION=()
if [[ -z "${NO_MIMALLOC:-}" ]]; then
    echo "== criterion again, both runtimes on mimalloc (log: $CARGO_TARGET_DIR/mimalloc/bench-run.log)"
    mkdir -p "$CARGO_TARGET_DIR/mimalloc"
    set +e
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR/mimalloc" cargo bench -q -p myrt-benches --features mimalloc --bench '*' -- \
        --warm-up-time "$WARMUP" --measurement-time "$MEASURE" "$@" > "$CARGO_TARGET_DIR/mimalloc/bench-run.log" 2>&1
    mi_status=$?
    set -e
    if [[ "$mi_status" -ne 0 ]]; then
        echo "cargo bench --features mimalloc failed (exit $mi_status), see $CARGO_TARGET_DIR/mimalloc/bench-run.log" >&2
        exit 1
    fi
    MI_CRITERION=(--criterion-mimalloc "$CARGO_TARGET_DIR/mimalloc/criterion")
fi

HTTP_JSON=()
if [[ -z "${NO_HTTP:-}" ]]; then
    echo "== http"
    "$ROOT/benches/http.sh"
    HTTP_JSON=(--http "$CARGO_TARGET_DIR/bench-http.json")
fi

PAIRED=()
if [[ -z "${NO_PAIRED:-}" && $# -eq 0 ]]; then
    echo "== interleaved pairs (examples/paired.rs, about two minutes)"
    cargo run -q --release -p myrt-benches --example paired > "$CARGO_TARGET_DIR/paired.md"
    cat "$CARGO_TARGET_DIR/paired.md"
    PAIRED=(--paired "$CARGO_TARGET_DIR/paired.md")
    if [[ -z "${NO_MIMALLOC:-}" ]]; then
        echo "== interleaved pairs on mimalloc"
        CARGO_TARGET_DIR="$CARGO_TARGET_DIR/mimalloc" cargo run -q --release -p myrt-benches --features mimalloc \
            --example paired > "$CARGO_TARGET_DIR/paired-mimalloc.md"
        cat "$CARGO_TARGET_DIR/paired-mimalloc.md"
        PAIRED+=(--paired-mimalloc "$CARGO_TARGET_DIR/paired-mimalloc.md")
    fi
fi

# Printed only (and in bench-hyper.json): docs/benchmarks.md keeps these by hand.
if [[ -z "${NO_HYPER:-}" && $# -eq 0 ]]; then
    echo "== hyper on myrt beside hyper on tokio (benches/hyper.sh, about five minutes per allocator)"
    "$ROOT/benches/hyper.sh"
    MIMALLOC=1 "$ROOT/benches/hyper.sh"
fi

# Printed only (to mp.md too): docs/benchmarks.md keeps these by hand.
if [[ -z "${NO_MP:-}" && $# -eq 0 ]]; then
    echo "== multiprocessing beside CPython (examples/mp_compare.rs; skips CPython without python3)"
    cargo run -q --release -p myrt-benches --example mp_compare > "$CARGO_TARGET_DIR/mp.md"
    cat "$CARGO_TARGET_DIR/mp.md"
fi

echo "== report"
python3 "$ROOT/benches/report.py" --criterion "$CARGO_TARGET_DIR/criterion" \
    --since "$SINCE" "${HTTP_JSON[@]}" "${PAIRED[@]}" "${MI_CRITERION[@]}" --note "Load average before the run: $LOAD" \
    --doc "$ROOT/docs/benchmarks.md" --svg "$ROOT/docs/benchmarks.svg"
