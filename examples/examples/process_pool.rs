//! CPU-bound work across the cores in worker processes: prime counting
//! over ranges, first through `Pool::imap_unordered`, then through a
//! `ProcessPoolExecutor` whose futures tasks await; each timed against
//! one worker.
//!
//! ```text
//! cargo run --release -p myrt-examples --example process_pool [limit]
//! ```

use std::time::{Duration, Instant};

use myrt::io::StreamExt;
use myrt::multiprocessing::{Pool, ProcessPoolExecutor};

/// The number of primes in `lo..hi`, by trial division (deliberately CPU
/// bound).
#[myrt::process_fn]
fn count_primes(lo: u64, hi: u64) -> u64 {
    (lo..hi)
        .filter(|&n| n > 1 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as u64
}

/// `count_primes` for a `(lo, hi)` pair, for `imap_unordered`, which takes
/// one argument per item.
#[myrt::process_fn]
fn count_range(range: (u64, u64)) -> u64 {
    count_primes(range.0, range.1)
}

fn ranges(limit: u64, parts: u64) -> Vec<(u64, u64)> {
    let step = limit.div_ceil(parts);
    (0..parts)
        .map(|i| (i * step, ((i + 1) * step).min(limit)))
        .collect()
}

async fn with_pool(workers: usize, limit: u64) -> (u64, Duration) {
    let pool = Pool::new(workers).expect("pool");
    // Warm: the workers are started before the clock starts.
    pool.apply(count_primes, (0, 10)).await.expect("warm-up");
    let start = Instant::now();
    let mut total = 0;
    let mut results = pool
        .imap_unordered(count_range, ranges(limit, 64), 1)
        .expect("imap_unordered");
    while let Some(n) = results.next().await {
        total += n.expect("a range");
    }
    (total, start.elapsed())
}

async fn with_executor(workers: usize, limit: u64) -> (u64, Duration) {
    let ex = ProcessPoolExecutor::new(workers).expect("executor");
    ex.submit(count_primes, (0, 10))
        .expect("submit")
        .await
        .expect("warm-up");
    let start = Instant::now();
    // One task per range, each awaiting its process-pool future.
    let tasks: Vec<_> = ranges(limit, 64)
        .into_iter()
        .map(|r| {
            let fut = ex.submit(count_primes, r).expect("submit");
            myrt::spawn(async move { fut.await.expect("a range") })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    let took = start.elapsed();
    ex.shutdown_async(false).await;
    (total, took)
}

#[myrt::main]
async fn main() {
    let limit: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("limit: a number"))
        .unwrap_or(3_000_000);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    println!("counting primes below {limit} in 64 ranges");

    let (one, t1) = with_pool(1, limit).await;
    let (all, tn) = with_pool(cores, limit).await;
    assert_eq!(one, all);
    println!(
        "Pool::imap_unordered:        1 worker {:>8.1} ms, {cores} workers {:>8.1} ms: {:.2}x ({all} primes)",
        ms(t1),
        ms(tn),
        t1.as_secs_f64() / tn.as_secs_f64()
    );

    let (one, t1) = with_executor(1, limit).await;
    let (all, tn) = with_executor(cores, limit).await;
    assert_eq!(one, all);
    println!(
        "ProcessPoolExecutor + tasks: 1 worker {:>8.1} ms, {cores} workers {:>8.1} ms: {:.2}x ({all} primes)",
        ms(t1),
        ms(tn),
        t1.as_secs_f64() / tn.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
