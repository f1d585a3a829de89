#!/usr/bin/env python3
"""CPython's side of the multiprocessing comparison (benches/examples/mp_compare.rs).

Times, in this interpreter, the three cases mp_compare.rs times in myrt and
prints one JSON object of seconds:

- executor_1000: 1,000 trivial jobs through a warm ProcessPoolExecutor(2),
  submit then result() each;
- pool_map_100k: Pool(2).map of squares over range(100_000), chunksize 64
  (warm pool);
- process_start_join: Process(target=f).start(); join(), averaged over
  `--processes` starts.

    python3 benches/mp_python.py [--processes 20]

Standard library only. Start method: the platform default (fork before
CPython 3.14 on Linux, forkserver from 3.14).
"""

import argparse
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor


def trivial(x):
    return x


def square(x):
    return x * x


def nothing():
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--processes", type=int, default=20)
    args = ap.parse_args()
    out = {}

    with ProcessPoolExecutor(2) as ex:
        ex.submit(trivial, 0).result()
        list(ex.map(trivial, range(4)))
        start = time.perf_counter()
        futures = [ex.submit(trivial, i) for i in range(1000)]
        total = sum(f.result() for f in futures)
        out["executor_1000"] = time.perf_counter() - start
        assert total == sum(range(1000))

    with multiprocessing.Pool(2) as pool:
        pool.map(square, range(10))
        start = time.perf_counter()
        squares = pool.map(square, range(100_000), chunksize=64)
        out["pool_map_100k"] = time.perf_counter() - start
        assert squares[-1] == 99_999 * 99_999

    start = time.perf_counter()
    for _ in range(args.processes):
        p = multiprocessing.Process(target=nothing)
        p.start()
        p.join()
        assert p.exitcode == 0
    out["process_start_join"] = (time.perf_counter() - start) / args.processes

    out["python"] = ".".join(map(str, __import__("sys").version_info[:3]))
    out["start_method"] = multiprocessing.get_start_method()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
