//! Thread-pool submit+result throughput: myrt's `ThreadPoolExecutor` against
//! tokio's `spawn_blocking` awaited from async and a plain channel-fed
//! `std::thread` pool, all with 4 worker threads.
//!
//! Each iteration submits `JOBS` trivial jobs, then collects every result.

use std::hint::black_box;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use criterion::{criterion_main, Criterion, Throughput};
// Links the support crate, and with it the `mimalloc` feature's global
// allocator.
use myrt_benches as _;
use myrt_executor::concurrent::{Executor, ThreadPoolExecutor};

const JOBS: usize = 10_000;
const WORKERS: usize = 4;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The textbook pool: jobs through one `mpsc` channel whose receiver the
/// workers share behind a mutex; results come back through another channel.
struct ChannelPool {
    tx: Option<mpsc::Sender<Job>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl ChannelPool {
    fn new(n: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..n)
            .map(|_| {
                let rx = Arc::clone(&rx);
                thread::spawn(move || loop {
                    let job = rx.lock().unwrap().recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                })
            })
            .collect();
        ChannelPool {
            tx: Some(tx),
            workers,
        }
    }

    fn execute(&self, job: impl FnOnce() + Send + 'static) {
        self.tx.as_ref().unwrap().send(Box::new(job)).unwrap();
    }
}

impl Drop for ChannelPool {
    fn drop(&mut self) {
        self.tx = None;
        for w in self.workers.drain(..) {
            w.join().unwrap();
        }
    }
}

fn thread_pool(c: &mut Criterion) {
    let mut group = c.benchmark_group("thread_pool");
    group.throughput(Throughput::Elements(JOBS as u64));

    let pool = ThreadPoolExecutor::builder().max_workers(WORKERS).build();
    group.bench_function("myrt_pool_result", |b| {
        b.iter(|| {
            let futures: Vec<_> = (0..JOBS)
                .map(|i| pool.submit(move || black_box(i)).unwrap())
                .collect();
            let mut sum = 0;
            for f in futures {
                sum += f.result().unwrap();
            }
            assert_eq!(sum, JOBS * (JOBS - 1) / 2);
        })
    });

    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(WORKERS)
        .build()
        .unwrap();
    group.bench_function("myrt_pool_await_in_tokio", |b| {
        b.iter(|| {
            tokio_rt.block_on(async {
                let futures: Vec<_> = (0..JOBS)
                    .map(|i| pool.submit(move || black_box(i)).unwrap())
                    .collect();
                let mut sum = 0;
                for f in futures {
                    sum += f.await.unwrap();
                }
                assert_eq!(sum, JOBS * (JOBS - 1) / 2);
            })
        })
    });

    group.bench_function("tokio_spawn_blocking", |b| {
        b.iter(|| {
            tokio_rt.block_on(async {
                let handles: Vec<_> = (0..JOBS)
                    .map(|i| tokio::task::spawn_blocking(move || black_box(i)))
                    .collect();
                let mut sum = 0;
                for h in handles {
                    sum += h.await.unwrap();
                }
                assert_eq!(sum, JOBS * (JOBS - 1) / 2);
            })
        })
    });

    let chan = ChannelPool::new(WORKERS);
    group.bench_function("std_channel_pool", |b| {
        b.iter(|| {
            let (rtx, rrx) = mpsc::channel();
            for i in 0..JOBS {
                let rtx = rtx.clone();
                chan.execute(move || {
                    let _ = rtx.send(black_box(i));
                });
            }
            drop(rtx);
            let sum: usize = rrx.iter().sum();
            assert_eq!(sum, JOBS * (JOBS - 1) / 2);
        })
    });

    group.finish();
}

// The macro generates an undocumented `pub fn benches`.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::thread_pool);
}
criterion_main!(group::benches);
