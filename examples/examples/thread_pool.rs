//! concurrent.futures in Rust: CPU-bound work on a `ThreadPoolExecutor`,
//! awaited from async tasks and gathered in completion order with
//! `as_completed`; then the reverse, plain threads blocking on the results
//! of async tasks through `Handle::submit`.
//!
//! Run it with `cargo run --release --example thread_pool`.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use myrt::executor::{as_completed, blocking_wait, Executor, ReturnWhen, ThreadPoolExecutor};

/// Counts the primes below `n` the slow way (CPU-bound on purpose).
fn count_primes(n: u64) -> u64 {
    (2..n)
        .filter(|&k| (2..).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .count() as u64
}

fn main() {
    let rt = myrt::runtime::Runtime::new().expect("runtime");
    let pool = ThreadPoolExecutor::builder()
        .max_workers(4)
        .thread_name_prefix("primes")
        .build();

    // 1. Tasks submit CPU-bound jobs and gather them as they complete.
    let limits = [200_000u64, 50_000, 120_000, 10_000];
    let futures: Vec<_> = limits
        .iter()
        .map(|&n| {
            pool.submit(move || (n, count_primes(n)))
                .expect("pool is running")
        })
        .collect();
    let started = Instant::now();
    rt.block_on(async move {
        let mut done = as_completed(futures);
        while let Some(r) = done.next().await {
            let (n, primes) = r.result().expect("job failed");
            println!(
                "  {primes:>6} primes below {n:<7} (after {:?})",
                started.elapsed()
            );
        }
    });

    // 2. `map` keeps input order; `wait` reports what finished first.
    let squares: Vec<u64> = pool
        .map(|x: u64| x * x, 1..=6)
        .expect("map")
        .map(Result::unwrap)
        .collect();
    println!("map in input order: {squares:?}");
    let quick = pool.submit(|| "quick").unwrap();
    let slow = pool
        .submit(|| {
            std::thread::sleep(Duration::from_millis(200));
            "slow"
        })
        .unwrap();
    let (done, not_done) =
        blocking_wait(&[slow.clone(), quick.clone()], ReturnWhen::FirstCompleted);
    println!(
        "wait(FIRST_COMPLETED): {} done, {} not done",
        done.len(),
        not_done.len()
    );

    // 3. The reverse: a plain thread blocks on an async task's result.
    let handle = rt.handle().clone();
    let waiter = std::thread::spawn(move || {
        let fut = handle.submit(async {
            let parts: Vec<_> = (1..=4u64)
                .map(|i| myrt::spawn(async move { i * 10 }))
                .collect();
            let mut sum = 0;
            for p in parts {
                sum += p.await.unwrap();
            }
            sum
        });
        fut.result().expect("task failed")
    });
    println!(
        "a plain thread got {} from async tasks",
        waiter.join().unwrap()
    );
    println!("slow job said {:?}", slow.result().unwrap());
    pool.shutdown(true, false);
    println!("thread_pool done");
}
