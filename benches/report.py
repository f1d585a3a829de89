#!/usr/bin/env python3
"""Turns criterion results (and benches/http.sh's JSON) into docs/benchmarks.md
tables and a docs/benchmarks.svg chart. Standard library only.

Every benchmark is read from `<criterion dir>/**/new/benchmark.json` (its ids)
and the `estimates.json` beside it (the median point estimate, ns). In each
criterion group, ids whose function name starts with `tokio` are the
baseline; every other id (`myrt`, `myrt_queue_4to1`, `mio_ceiling`,
`std_channel_pool`, ...) is compared with the tokio id of the same parameter
(the one with the same name after the `myrt`/`tokio` prefix if several).
The ratio is median time / tokio's median time: below 1.0 is faster than
tokio.

Only the text between `<!-- bench:begin -->` and `<!-- bench:end -->` in the
markdown file is replaced; prose around it is kept.

    python3 benches/report.py --criterion target-bench/criterion \\
        --http target-bench/bench-http.json --since 1764090000
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
from xml.sax.saxutils import escape

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"

INTRO = """# Benchmarks

myrt beside tokio on the same machine, in one run. Regenerate everything with
`benches/run.sh` (criterion benches, then `benches/http.sh`); the tables and
the chart between the markers below are written by `benches/report.py`, the
prose outside them is kept.

"""


def load_results(root, since):
    """Returns a list of dicts: group, function, param, median_ns, throughput."""
    results = []
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        est_path = os.path.join(dirpath, "estimates.json")
        if not os.path.exists(est_path):
            continue
        if since is not None and os.path.getmtime(est_path) < since:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(est_path) as f:
            est = json.load(f)
        results.append(
            {
                "group": bench["group_id"],
                "function": bench.get("function_id") or "",
                "param": bench.get("value_str") or "",
                "median_ns": float(est["median"]["point_estimate"]),
                "low_ns": float(est["median"]["confidence_interval"]["lower_bound"]),
                "high_ns": float(est["median"]["confidence_interval"]["upper_bound"]),
                "throughput": bench.get("throughput"),
            }
        )
    return results


def is_baseline(row):
    return row["function"].startswith("tokio")


def stem(function):
    """`myrt_queue_4to1` -> `queue_4to1`, `tokio` -> ``."""
    for prefix in ("myrt", "tokio"):
        if function.startswith(prefix):
            return function[len(prefix):].lstrip("_")
    return function


def pair_baselines(rows):
    """Sets row["base"] to the tokio row it is compared with (or None)."""
    for row in rows:
        row["base"] = None
        if is_baseline(row):
            continue
        cands = [b for b in rows if is_baseline(b) and b["param"] == row["param"]]
        same = [b for b in cands if stem(b["function"]) == stem(row["function"])]
        plain = [b for b in cands if b["function"] == "tokio"]
        if len(same) == 1:
            row["base"] = same[0]
        elif len(plain) == 1:
            row["base"] = plain[0]
        elif len(cands) == 1:
            row["base"] = cands[0]


def order_key(row):
    f = row["function"]
    rank = 0 if f.startswith("myrt") else (2 if is_baseline(row) else 1)
    return (natural(row["param"]), rank, f)


def natural(s):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns / scale < 100 else f"{ns / scale:.0f} {unit}"
    return f"{ns:.3g} ns"


def fmt_rate(per_s, unit):
    for prefix, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if per_s >= scale:
            return f"{per_s / scale:.3g} {prefix}{unit}/s"
    return f"{per_s:.3g} {unit}/s"


def fmt_throughput(row):
    tp = row["throughput"]
    if not tp:
        return ""
    secs = row["median_ns"] / 1e9
    if "Elements" in tp:
        return fmt_rate(tp["Elements"] / secs, "elem")
    if "Bytes" in tp:
        return fmt_rate(tp["Bytes"] / secs, "B")
    return ""


def machine():
    model = "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
                break
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        rustc = subprocess.run(
            ["rustc", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rustc = "rustc (unknown version)"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "kernel": f"{platform.system()} {platform.release()}",
        "rustc": rustc,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def ratio_cell(row):
    base = row.get("base")
    if not base:
        return ""
    r = row["median_ns"] / base["median_ns"]
    mark = "faster" if r < 0.97 else ("slower" if r > 1.03 else "even")
    return f"**{r:.2f}** ({mark})"


def render(groups, http, info, note=None, paired=None, mi_groups=None, paired_mi=None):
    """The markdown between the markers, and the chart's (label, ratio) bars.

    `mi_groups` (criterion results of a `--features mimalloc` run, grouped
    like `groups`) adds a "vs tokio, mimalloc" column: the same id's ratio
    when both runtimes allocate with mimalloc. `paired_mi` is the paired
    table of that build."""
    mi_ratio = {}
    for name, rows in (mi_groups or {}).items():
        pair_baselines(rows)
        for r in rows:
            if r.get("base"):
                mi_ratio[(name, r["function"], r["param"])] = r["median_ns"] / r["base"]["median_ns"]
    out = [
        f"_Generated by `benches/report.py` on {info['date']}._",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['kernel']}, {info['rustc']}."
        + (f" {note}." if note else ""),
        "",
        "Median of criterion's samples; **ratio = median time / tokio's median time**"
        " for the same parameter (below 1.00 = faster than tokio). Throughput is"
        " elements per second at the median."
        + (" Medians and throughput are glibc malloc's; the last column is the"
           " ratio when both runtimes allocate with mimalloc (a separate"
           " `--features mimalloc` run)." if mi_groups else ""),
        "",
        "![myrt / tokio time ratios](benchmarks.svg)",
        "",
    ]
    bars = []
    for name in sorted(groups, key=natural):
        rows = sorted(groups[name], key=order_key)
        pair_baselines(rows)
        out += [f"### {name}", ""]
        has_tp = any(r["throughput"] for r in rows)
        head = "| benchmark | parameter | median | 95% CI of median |"
        sep = "| --- | --- | ---: | ---: |"
        if has_tp:
            head += " throughput |"
            sep += " ---: |"
        head += " vs tokio |"
        sep += " --- |"
        if mi_groups:
            head += " vs tokio, mimalloc |"
            sep += " --- |"
        out += [head, sep]
        for r in rows:
            ci = f"{fmt_time(r['low_ns'])} – {fmt_time(r['high_ns'])}"
            line = f"| {r['function']} | {r['param'] or '–'} | {fmt_time(r['median_ns'])} | {ci} |"
            if has_tp:
                line += f" {fmt_throughput(r)} |"
            line += f" {ratio_cell(r) if not is_baseline(r) else 'baseline'} |"
            mi = mi_ratio.get((name, r["function"], r["param"]))
            if mi_groups:
                line += " baseline |" if is_baseline(r) else (f" **{mi:.2f}** |" if mi else " – |")
            out.append(line)
            if r["function"].startswith("myrt") and r.get("base"):
                label = "/".join(x for x in (name, r["function"], r["param"]) if x)
                bars.append((label, r["median_ns"] / r["base"]["median_ns"]))
                if mi:
                    bars.append((label + " (mimalloc)", mi))
        # A ceiling (e.g. raw mio) caps what a runtime can reach.
        for c in (r for r in rows if "ceiling" in r["function"]):
            for m in (r for r in rows if r["param"] == c["param"] and r is not c):
                if m["function"].startswith(("myrt", "tokio")):
                    pct = 100.0 * c["median_ns"] / m["median_ns"]
                    out.append("")
                    out.append(
                        f"{m['function']} reaches **{pct:.0f}%** of the {c['function']}"
                        f" throughput ({m['param']})."
                    )
        out.append("")
    if http:
        m, t = http["myrt"], http["tokio"]
        out += [
            "### http_hello (wrk)",
            "",
            f"`wrk {http.get('wrk', '')}` against `examples/http_hello` (myrt) and"
            " `benches/examples/http_hello_tokio` (the same parser and response bytes on tokio),"
            f" {http.get('workers', '?')} workers each, one after the other on 127.0.0.1.",
            "",
            "| server | requests/s | myrt/tokio throughput | myrt/tokio time per request |",
            "| --- | ---: | ---: | --- |",
            f"| myrt | {m:,.0f} | **{m / t:.2f}** | {ratio_cell({'median_ns': 1 / m, 'base': {'median_ns': 1 / t}})} |",
            f"| tokio | {t:,.0f} | 1.00 | baseline |",
            "",
        ]
        bars.append(("http_hello/wrk (time per request)", t / m))
    if paired:
        out += [
            "### Interleaved pairs (`examples/paired.rs`)",
            "",
            "myrt and tokio back to back, alternating which goes first, on runtimes"
            " built per round; ratio = myrt time / tokio time, median over rounds (and"
            " its range). Host slow periods hit both sides of a pair alike.",
            "",
            paired.strip(),
            "",
        ]
    if paired_mi:
        out += [
            "### Interleaved pairs on mimalloc (`examples/paired.rs --features mimalloc`)",
            "",
            "The same pairs with both runtimes allocating with mimalloc.",
            "",
            paired_mi.strip(),
            "",
        ]
    return "\n".join(out), bars


def svg_chart(bars, info):
    """A diverging bar chart of time ratios on a log2 axis centred on 1.0."""
    width, left, right, row_h, top = 900, 330, 70, 22, 60
    span = 2.0  # log2 range each side: 1/4x .. 4x
    plot_w = width - left - right
    height = top + row_h * max(len(bars), 1) + 50
    x1 = left + plot_w / 2

    def x_of(ratio):
        v = max(-span, min(span, math.log2(ratio)))
        return x1 + v / span * (plot_w / 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">'
        "myrt time / tokio time (left of 1.0 = myrt faster)</text>",
        f'<text x="{width / 2}" y="38" text-anchor="middle" fill="#555">'
        f"{escape(info['cpu'])}, {info['cores']} cores, {escape(info['date'])}</text>",
    ]
    for t in (0.25, 0.5, 1.0, 2.0, 4.0):
        x = x_of(t)
        stroke = "#000" if t == 1.0 else "#ccc"
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 40}" stroke="{stroke}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 24}" text-anchor="middle">{t:g}×</text>'
        )
    for i, (label, ratio) in enumerate(bars):
        y = top + i * row_h
        x = x_of(ratio)
        color = "#2e8b57" if ratio < 0.97 else ("#cc4b37" if ratio > 1.03 else "#888")
        bx, bw = min(x, x1), max(abs(x - x1), 1.5)
        parts.append(
            f'<text x="{left - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{bx:.1f}" y="{y + 3}" width="{bw:.1f}" height="{row_h - 6}" fill="{color}"/>'
        )
        clamped = abs(math.log2(ratio)) >= span
        if clamped:  # the bar fills its half: write the value inside it
            tx, anchor, fill = (x - 4, "end", "white") if ratio > 1 else (x + 4, "start", "white")
        else:
            tx, anchor, fill = (x + 4, "start", "black") if ratio >= 1 else (x - 4, "end", "black")
        parts.append(
            f'<text x="{tx:.1f}" y="{y + row_h / 2 + 4:.1f}" text-anchor="{anchor}" fill="{fill}">'
            f"{ratio:.2f}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def splice(doc_path, body):
    """Replaces the marked region of doc_path (creating the file if needed)."""
    block = f"{BEGIN}\n{body}\n{END}"
    if os.path.exists(doc_path):
        with open(doc_path) as f:
            text = f.read()
    else:
        text = INTRO
    if BEGIN in text and END in text and text.index(BEGIN) < text.index(END):
        pre = text[: text.index(BEGIN)]
        post = text[text.index(END) + len(END):]
        text = pre + block + post
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(doc_path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--criterion", default="target-bench/criterion",
                    help="criterion output directory (default: %(default)s)")
    ap.add_argument("--http", help="JSON written by benches/http.sh (optional)")
    ap.add_argument("--paired", help="Markdown table printed by examples/paired.rs (optional)")
    ap.add_argument("--criterion-mimalloc",
                    help="criterion output directory of a --features mimalloc run (optional)")
    ap.add_argument("--paired-mimalloc",
                    help="paired.rs table of a --features mimalloc build (optional)")
    ap.add_argument("--since", type=float,
                    help="ignore results older than this Unix time (stale benches)")
    ap.add_argument("--note", help="one line added after the machine line")
    ap.add_argument("--doc", default="docs/benchmarks.md")
    ap.add_argument("--svg", default="docs/benchmarks.svg")
    args = ap.parse_args()

    if not os.path.isdir(args.criterion):
        sys.exit(f"report.py: no criterion directory at {args.criterion}")
    results = load_results(args.criterion, args.since)
    http = None
    if args.http and os.path.exists(args.http):
        if args.since is None or os.path.getmtime(args.http) >= args.since:
            with open(args.http) as f:
                http = json.load(f)
    paired = None
    if args.paired and os.path.exists(args.paired):
        if args.since is None or os.path.getmtime(args.paired) >= args.since:
            with open(args.paired) as f:
                paired = f.read()
    if not results and not http:
        sys.exit("report.py: no benchmark results found")
    groups = {}
    for r in results:
        groups.setdefault(r["group"], []).append(r)
    mi_groups = None
    if args.criterion_mimalloc and os.path.isdir(args.criterion_mimalloc):
        mi_groups = {}
        for r in load_results(args.criterion_mimalloc, args.since):
            mi_groups.setdefault(r["group"], []).append(r)
    paired_mi = None
    if args.paired_mimalloc and os.path.exists(args.paired_mimalloc):
        if args.since is None or os.path.getmtime(args.paired_mimalloc) >= args.since:
            with open(args.paired_mimalloc) as f:
                paired_mi = f.read()
    info = machine()
    body, bars = render(groups, http, info, args.note, paired, mi_groups or None, paired_mi)
    splice(args.doc, body)
    with open(args.svg, "w") as f:
        f.write(svg_chart(bars, info))
    print(f"report.py: {len(results)} benchmarks in {len(groups)} groups"
          f"{' + http' if http else ''}{' + paired' if paired else ''}"
          f" -> {args.doc}, {args.svg}")


if __name__ == "__main__":
    main()
