//! `RLock` beside `parking_lot::ReentrantMutex` (threads) and beside
//! myrt's `Lock` (threads and tasks). Scenarios: `myrt_benches::rlock_cases`.

use criterion::{criterion_group, criterion_main, Criterion};
use myrt_benches::rlock_cases as cases;

fn uncontended(c: &mut Criterion) {
    let mut g = c.benchmark_group("rlock/uncontended_10k_reentrant");
    g.bench_function("myrt_rlock", |b| b.iter(cases::myrt_rlock_uncontended));
    g.bench_function("parking_lot", |b| b.iter(cases::parking_lot_uncontended));
    g.bench_function("myrt_lock_one_level", |b| {
        b.iter(cases::myrt_lock_uncontended)
    });
    g.finish();
}

fn contended(c: &mut Criterion) {
    let mut g = c.benchmark_group("rlock/threads_4x10k_reentrant");
    g.sample_size(20);
    g.bench_function("myrt_rlock", |b| b.iter(cases::myrt_rlock_contended));
    g.bench_function("parking_lot", |b| b.iter(cases::parking_lot_contended));
    g.finish();
}

fn tasks(c: &mut Criterion) {
    let mut g = c.benchmark_group("rlock/tasks_8x1000");
    let rt = myrt::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("myrt runtime");
    g.bench_function("myrt_rlock_reentrant", |b| {
        b.iter(|| rt.block_on(rt.spawn(cases::myrt_rlock_tasks())).unwrap())
    });
    g.bench_function("myrt_lock_one_level", |b| {
        b.iter(|| rt.block_on(rt.spawn(cases::myrt_lock_tasks())).unwrap())
    });
    g.finish();
}

mod group {
    use super::*;
    // In a private module: the generated fn needs no doc comment.
    criterion_group!(benches, uncontended, contended, tasks);
}
criterion_main!(group::benches);
