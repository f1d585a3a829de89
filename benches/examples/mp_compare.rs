//! myrt's multiprocessing beside CPython's on the same machine, as
//! interleaved pairs: each round runs `benches/mp_python.py` (CPython's
//! `ProcessPoolExecutor(2)`, `Pool(2).map`, `Process` start + join) and
//! the same three cases in myrt, alternating which goes first.
//!
//! ```text
//! cargo run --release -p myrt-benches --example mp_compare [-- ROUNDS]
//! ```
//!
//! Prints a Markdown table: the median over the rounds of each side, and
//! the median and range of the per-round ratios (CPython time / myrt time:
//! how many times faster myrt is). Without `python3` on the path, only
//! myrt's side is timed, with a note.

use std::process::Command;
use std::time::{Duration, Instant};

use myrt::multiprocessing::{Pool, Process, ProcessPoolExecutor};

#[myrt::process_fn]
fn trivial(x: u64) -> u64 {
    x
}

#[myrt::process_fn]
fn square(x: u64) -> u64 {
    x * x
}

#[myrt::process_fn]
fn nothing() {}

const PROCESSES: usize = 20;

/// A case: its name, how to read its time, the issue's CPython figure.
type Case = (&'static str, fn(&Times) -> f64, &'static str);

struct Times {
    executor_1000: f64,
    pool_map_100k: f64,
    process_start_join: f64,
}

/// The three cases on myrt, each warm as in the Python script.
async fn myrt_round() -> Times {
    let ex = ProcessPoolExecutor::new(2).unwrap();
    ex.submit(trivial, (0,)).unwrap().await.unwrap();
    for f in ex.map(trivial, 0..4).unwrap() {
        f.unwrap();
    }
    let start = Instant::now();
    let futures: Vec<_> = (0..1000)
        .map(|i| ex.submit(trivial, (i,)).unwrap())
        .collect();
    let mut total = 0;
    for f in futures {
        total += f.await.unwrap();
    }
    let executor_1000 = start.elapsed().as_secs_f64();
    assert_eq!(total, (0..1000).sum::<u64>());
    ex.shutdown_async(false).await;

    let pool = Pool::new(2).unwrap();
    pool.map(square, 0..10u64, 0).unwrap().await.unwrap();
    let start = Instant::now();
    let squares = pool.map(square, 0..100_000u64, 64).unwrap().await.unwrap();
    let pool_map_100k = start.elapsed().as_secs_f64();
    assert_eq!(squares[99_999], 99_999 * 99_999);
    pool.close();
    pool.join().await;

    let start = Instant::now();
    for _ in 0..PROCESSES {
        let p = Process::new(nothing, ()).start().unwrap();
        assert_eq!(p.join().await, 0);
    }
    let process_start_join = start.elapsed().as_secs_f64() / PROCESSES as f64;
    Times {
        executor_1000,
        pool_map_100k,
        process_start_join,
    }
}

/// One run of the Python script, or `None` without `python3`.
fn python_round() -> Option<(Times, String)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/mp_python.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["--processes", &PROCESSES.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "mp_python.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| -> Option<f64> {
        let key = format!("\"{name}\": ");
        let rest = &text[text.find(&key)? + key.len()..];
        rest.split([',', '}']).next()?.trim().parse().ok()
    };
    let string = |name: &str| -> String {
        let key = format!("\"{name}\": \"");
        text.find(&key)
            .map(|i| {
                let rest = &text[i + key.len()..];
                rest[..rest.find('"').unwrap_or(0)].to_owned()
            })
            .unwrap_or_default()
    };
    let t = Times {
        executor_1000: field("executor_1000")?,
        pool_map_100k: field("pool_map_100k")?,
        process_start_join: field("process_start_join")?,
    };
    Some((
        t,
        format!(
            "CPython {} (start method {})",
            string("python"),
            string("start_method")
        ),
    ))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(s: f64) -> String {
    format!("{:.2} ms", s * 1e3)
}

#[myrt::main(worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let cases: [Case; 3] = [
        (
            "1,000 trivial jobs, warm `ProcessPoolExecutor(2)`, submit + result",
            |t| t.executor_1000,
            "96 ms",
        ),
        (
            "`Pool(2).map` of 100,000 squares, chunksize 64",
            |t| t.pool_map_100k,
            "80 ms",
        ),
        (
            "`Process` start + join (one, mean of 20)",
            |t| t.process_start_join,
            "7 ms",
        ),
    ];
    let mut mine = vec![Vec::new(); 3];
    let mut theirs = vec![Vec::new(); 3];
    let mut ratios = vec![Vec::new(); 3];
    let mut python = None;
    for round in 0..rounds {
        let (m, p) = if round % 2 == 0 {
            let m = myrt_round().await;
            (m, python_round())
        } else {
            let p = python_round();
            (myrt_round().await, p)
        };
        for (i, (_, get, _)) in cases.iter().enumerate() {
            mine[i].push(get(&m));
            if let Some((p, _)) = &p {
                theirs[i].push(get(p));
                ratios[i].push(get(p) / get(&m));
            }
        }
        if let Some((_, version)) = p {
            python = Some(version);
        }
        // Let the last round's workers exit before the next.
        myrt::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "| case | myrt | {} | CPython / myrt (median, range) |",
        python.as_deref().unwrap_or("CPython")
    );
    println!("| --- | --- | --- | --- |");
    for (i, (name, _, _)) in cases.iter().enumerate() {
        let m = median(&mut mine[i]);
        if theirs[i].is_empty() {
            println!("| {name} | {} | (no python3) | |", ms(m));
            continue;
        }
        let p = median(&mut theirs[i]);
        let r = median(&mut ratios[i]);
        let (lo, hi) = (ratios[i][0], ratios[i][ratios[i].len() - 1]);
        println!(
            "| {name} | {} | {} | {r:.1}x ({lo:.1}–{hi:.1}) |",
            ms(m),
            ms(p)
        );
    }
    println!();
    println!(
        "{rounds} interleaved rounds; the issue's CPython 3.11 figures on 2 cores: {}.",
        cases.iter().map(|c| c.2).collect::<Vec<_>>().join(", ")
    );
}
