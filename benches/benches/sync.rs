//! myrt-sync primitives beside tokio::sync's nearest equivalents, all run on
//! a tokio multi-thread runtime (the primitives are executor-agnostic, so
//! only the primitive differs). The scenarios are in
//! `myrt_benches::sync_cases`; `examples/paired.rs` runs the same ones as
//! interleaved pairs.

use std::future::Future;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use myrt_benches::sync_cases as cases;
use myrt_benches::{run_task, tokio_rt};

/// Times `iters` runs of the scenario `case` as a task on a tokio runtime
/// built for this sample (building and dropping it is not timed).
///
/// One long-lived runtime sometimes settles, for the seconds a whole
/// measurement lasts, into a mode about twice as slow for both sides
/// (seen on the 2-core VM with either primitive); whichever side drew it
/// lost. A runtime per sample turns part of that into per-sample noise.
fn per_sample_runtime<F, Fut>(b: &mut Bencher<'_>, case: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    b.iter_custom(|iters| {
        let rt = tokio_rt(2);
        let start = Instant::now();
        for _ in 0..iters {
            run_task(&rt, case());
        }
        start.elapsed()
    })
}

fn lock_contention(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/lock_8x1000");
    g.bench_function("myrt", |b| per_sample_runtime(b, cases::myrt_lock));
    g.bench_function("tokio", |b| per_sample_runtime(b, cases::tokio_mutex));
    g.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/semaphore_64_on_4");
    g.bench_function("myrt", |b| per_sample_runtime(b, cases::myrt_semaphore));
    g.bench_function("tokio", |b| per_sample_runtime(b, cases::tokio_semaphore));
    g.finish();
}

fn queue_mpmc(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/queue_4x4_cap128_100k");
    g.sample_size(20);
    g.bench_function("myrt_queue_4to4", |b| {
        per_sample_runtime(b, || cases::myrt_queue(4))
    });
    g.bench_function("myrt_queue_4to1", |b| {
        per_sample_runtime(b, || cases::myrt_queue(1))
    });
    g.bench_function("tokio_mpsc_4to1", |b| {
        per_sample_runtime(b, cases::tokio_mpsc)
    });
    g.finish();
}

fn event_fanout(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/event_fanout_100");
    g.bench_function("myrt_event", |b| {
        per_sample_runtime(b, cases::myrt_event_fanout)
    });
    g.bench_function("tokio_notify", |b| {
        per_sample_runtime(b, cases::tokio_notify_fanout)
    });
    g.finish();
}

fn mpsc_4to1(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/mpsc_4to1_cap128_100k");
    g.sample_size(20);
    g.bench_function("myrt", |b| per_sample_runtime(b, cases::myrt_mpsc));
    g.bench_function("tokio", |b| per_sample_runtime(b, cases::tokio_mpsc));
    g.finish();
}

fn oneshot_ping_pong(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/oneshot_ping_pong_1000");
    g.bench_function("myrt", |b| {
        per_sample_runtime(b, cases::myrt_oneshot_ping_pong)
    });
    g.bench_function("tokio", |b| {
        per_sample_runtime(b, cases::tokio_oneshot_ping_pong)
    });
    g.finish();
}

fn broadcast_1to4(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/broadcast_1to4_10k");
    g.sample_size(20);
    g.bench_function("myrt", |b| {
        per_sample_runtime(b, cases::myrt_broadcast_1to4)
    });
    g.bench_function("tokio", |b| {
        per_sample_runtime(b, cases::tokio_broadcast_1to4)
    });
    g.finish();
}

fn watch_1to4(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/watch_1to4_10k");
    g.sample_size(20);
    g.bench_function("myrt", |b| per_sample_runtime(b, cases::myrt_watch_1to4));
    g.bench_function("tokio", |b| per_sample_runtime(b, cases::tokio_watch_1to4));
    g.finish();
}

mod group {
    use super::*;
    // In a private module: the generated fn needs no doc comment.
    criterion_group!(
        benches,
        lock_contention,
        semaphore,
        queue_mpmc,
        event_fanout,
        mpsc_4to1,
        oneshot_ping_pong,
        broadcast_1to4,
        watch_1to4
    );
}
criterion_main!(group::benches);
