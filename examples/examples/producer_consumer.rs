//! Threads produce, tasks consume, through one `myrt::sync::Queue`; `join()`
//! waits until every item has been processed (Python's `queue.Queue` and
//! `asyncio.Queue` in one object).
//!
//! Run it with `cargo run --release --example producer_consumer`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use myrt::sync::Queue;

const PRODUCERS: u64 = 3;
const ITEMS_EACH: u64 = 1_000;
const CONSUMERS: usize = 4;

fn main() {
    // Bounded: producers block (threads) or wait (tasks) when it is full.
    let queue: Arc<Queue<u64>> = Arc::new(Queue::new(64));
    let total = Arc::new(AtomicU64::new(0));
    let processed = Arc::new(AtomicU64::new(0));

    myrt::run(async {
        // Consumers are async tasks.
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let (q, total, processed) = (queue.clone(), total.clone(), processed.clone());
                myrt::spawn(async move {
                    // `get` fails once the queue is shut down and drained.
                    while let Ok(item) = q.get().await {
                        total.fetch_add(item, Ordering::Relaxed);
                        processed.fetch_add(1, Ordering::Relaxed);
                        q.task_done().expect("one task_done per item");
                    }
                })
            })
            .collect();

        // Producers are plain threads using the blocking twins.
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = queue.clone();
                std::thread::spawn(move || {
                    for i in 0..ITEMS_EACH {
                        let item = p * ITEMS_EACH + i;
                        q.blocking_put_timeout(item, Duration::from_secs(10))
                            .expect("queue accepts items");
                    }
                })
            })
            .collect();

        // Wait (without blocking a worker) for the threads to finish putting...
        myrt::task::spawn_blocking(move || {
            for p in producers {
                p.join().expect("producer thread");
            }
        })
        .await
        .unwrap();
        // ...and for every item to be marked done.
        queue.join().await;
        println!(
            "queue drained: {} items processed",
            processed.load(Ordering::Relaxed)
        );

        // Let the consumers finish: later gets fail, so their loops end.
        queue.shutdown(false);
        for c in consumers {
            c.await.unwrap();
        }
    });

    let n = PRODUCERS * ITEMS_EACH;
    let expect = n * (n - 1) / 2;
    let got = total.load(Ordering::Relaxed);
    println!("sum of items = {got} (expected {expect})");
    assert_eq!(got, expect, "no item lost or duplicated");
    println!("producer_consumer done");
}
