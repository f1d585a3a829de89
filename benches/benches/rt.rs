//! Scheduler benchmarks, myrt and tokio side by side: spawn_many (inside
//! and from an outside thread), yield_many, ping_pong and chained_spawn, on
//! the multi-thread scheduler with 2 and 4 workers and on current-thread.
//!
//! Hand-offs use `tokio::sync::oneshot`, which only needs a `Waker`, so both
//! runtimes run the same channel code.
#![allow(missing_docs)] // criterion's macros generate undocumented public items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use tokio::sync::oneshot;

const SPAWN: usize = 10_000;
const YIELD_TASKS: usize = 200;
const YIELDS: usize = 1_000;
const ROUNDS: usize = 1_000;
const CHAIN: usize = 1_000;

#[derive(Copy, Clone, Debug)]
enum Flavor {
    Current,
    Multi(usize),
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flavor::Current => write!(f, "current"),
            Flavor::Multi(n) => write!(f, "multi{n}"),
        }
    }
}

fn myrt_rt(f: Flavor) -> myrt::runtime::Runtime {
    match f {
        Flavor::Current => myrt::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
        Flavor::Multi(n) => myrt::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .build()
            .unwrap(),
    }
}

fn tokio_rt(f: Flavor) -> tokio::runtime::Runtime {
    match f {
        Flavor::Current => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        Flavor::Multi(n) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build()
            .unwrap(),
    }
}

/// The same workload bodies for both runtimes: `$spawn` spawns a task,
/// `$yield_now` yields.
macro_rules! workloads {
    ($m:ident, $spawn:path, $yield_now:path) => {
        mod $m {
            use super::*;

            pub(crate) async fn spawn_many() {
                let hs: Vec<_> = (0..SPAWN).map(|i| $spawn(async move { i })).collect();
                let mut s = 0;
                for h in hs {
                    s += h.await.unwrap();
                }
                assert_eq!(s, SPAWN * (SPAWN - 1) / 2);
            }

            pub(crate) async fn yield_many() {
                let hs: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        $spawn(async {
                            for _ in 0..YIELDS {
                                $yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            }

            pub(crate) async fn ping_pong() {
                for i in 0..ROUNDS {
                    let (tx1, rx1) = oneshot::channel::<usize>();
                    let (tx2, rx2) = oneshot::channel::<usize>();
                    $spawn(async move {
                        let v = rx1.await.unwrap();
                        tx2.send(v + 1).unwrap();
                    });
                    tx1.send(i).unwrap();
                    assert_eq!(rx2.await.unwrap(), i + 1);
                }
            }

            fn chain(n: usize, done: oneshot::Sender<()>) {
                if n == 0 {
                    done.send(()).unwrap();
                } else {
                    $spawn(async move { chain(n - 1, done) });
                }
            }

            pub(crate) async fn chained_spawn() {
                let (tx, rx) = oneshot::channel();
                $spawn(async move { chain(CHAIN, tx) });
                rx.await.unwrap();
            }
        }
    };
}

workloads!(on_myrt, myrt::spawn, myrt::task::yield_now);
workloads!(on_tokio, tokio::spawn, tokio::task::yield_now);

fn flavors() -> [Flavor; 3] {
    [Flavor::Multi(2), Flavor::Multi(4), Flavor::Current]
}

macro_rules! bench_both {
    ($c:expr, $name:literal, $work:ident) => {{
        let mut g = $c.benchmark_group($name);
        for f in flavors() {
            let rt = myrt_rt(f);
            g.bench_with_input(BenchmarkId::new("myrt", f), &f, |b, _| {
                b.iter(|| rt.block_on(on_myrt::$work()))
            });
            drop(rt);
            let rt = tokio_rt(f);
            g.bench_with_input(BenchmarkId::new("tokio", f), &f, |b, _| {
                b.iter(|| rt.block_on(on_tokio::$work()))
            });
        }
        g.finish();
    }};
}

fn spawn_many_outside(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_many_outside");
    for f in [Flavor::Multi(2), Flavor::Multi(4)] {
        let rt = myrt_rt(f);
        g.bench_with_input(BenchmarkId::new("myrt", f), &f, |b, _| {
            b.iter(|| {
                let hs: Vec<_> = (0..SPAWN).map(|i| rt.spawn(async move { i })).collect();
                rt.block_on(async {
                    for h in hs {
                        h.await.unwrap();
                    }
                })
            })
        });
        drop(rt);
        let rt = tokio_rt(f);
        g.bench_with_input(BenchmarkId::new("tokio", f), &f, |b, _| {
            b.iter(|| {
                let hs: Vec<_> = (0..SPAWN).map(|i| rt.spawn(async move { i })).collect();
                rt.block_on(async {
                    for h in hs {
                        h.await.unwrap();
                    }
                })
            })
        });
    }
    g.finish();
}

fn scheduler(c: &mut Criterion) {
    bench_both!(c, "spawn_many", spawn_many);
    bench_both!(c, "yield_many", yield_many);
    bench_both!(c, "ping_pong", ping_pong);
    bench_both!(c, "chained_spawn", chained_spawn);
}

criterion_group!(benches, scheduler, spawn_many_outside);
criterion_main!(benches);
