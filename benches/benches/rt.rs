//! Scheduler benchmarks, myrt and tokio side by side: spawn_many (inside
//! and from an outside thread), yield_many, ping_pong and chained_spawn, on
//! the multi-thread scheduler with 2 and 4 workers and on current-thread.
//!
//! Hand-offs use `tokio::sync::oneshot`, which only needs a `Waker`, so both
//! runtimes run the same channel code.
#![allow(missing_docs)] // criterion's macros generate undocumented public items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use myrt_benches::rt_cases::{on_myrt, on_tokio};

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
        Flavor::Multi(n) => myrt_benches::tokio_rt(n),
    }
}

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
            b.iter(|| on_myrt::spawn_outside(&rt))
        });
        drop(rt);
        let rt = tokio_rt(f);
        g.bench_with_input(BenchmarkId::new("tokio", f), &f, |b, _| {
            b.iter(|| on_tokio::spawn_outside(&rt))
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
