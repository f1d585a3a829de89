//! myrt-sync primitives beside tokio::sync's nearest equivalents, all run on
//! the same tokio multi-thread runtime (the primitives are executor-agnostic,
//! so only the primitive differs).

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use std::time::Instant;

use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Times `iters` calls of `run` on a tokio runtime built for this sample
/// (building and dropping it is not timed).
///
/// One long-lived runtime sometimes settles, for the seconds a whole
/// measurement lasts, into a mode about twice as slow for both sides
/// (seen on the 2-core VM with either primitive); whichever side drew it
/// lost. A runtime per sample turns that into per-sample noise, which the
/// median absorbs.
fn per_sample_runtime(b: &mut Bencher<'_>, run: impl Fn(&Runtime)) {
    b.iter_custom(|iters| {
        let rt = runtime();
        let start = Instant::now();
        for _ in 0..iters {
            run(&rt);
        }
        start.elapsed()
    })
}

const LOCK_TASKS: usize = 8;
const LOCK_ITERS: usize = 1_000;

fn lock_contention(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/lock_8x1000");
    g.bench_function("myrt", |b| {
        per_sample_runtime(b, |rt| {
            rt.block_on(async {
                let lock = Arc::new(myrt_sync::Lock::new(0usize));
                let hs: Vec<_> = (0..LOCK_TASKS)
                    .map(|_| {
                        let lock = lock.clone();
                        tokio::spawn(async move {
                            for _ in 0..LOCK_ITERS {
                                *lock.lock().await += 1;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
                assert_eq!(*lock.lock().await, LOCK_TASKS * LOCK_ITERS);
            })
        })
    });
    g.bench_function("tokio", |b| {
        per_sample_runtime(b, |rt| {
            rt.block_on(async {
                let lock = Arc::new(tokio::sync::Mutex::new(0usize));
                let hs: Vec<_> = (0..LOCK_TASKS)
                    .map(|_| {
                        let lock = lock.clone();
                        tokio::spawn(async move {
                            for _ in 0..LOCK_ITERS {
                                *lock.lock().await += 1;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
                assert_eq!(*lock.lock().await, LOCK_TASKS * LOCK_ITERS);
            })
        })
    });
    g.finish();
}

const SEM_TASKS: usize = 64;
const SEM_PERMITS: usize = 4;
const SEM_ITERS: usize = 100;

fn semaphore(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/semaphore_64_on_4");
    g.bench_function("myrt", |b| {
        per_sample_runtime(b, |rt| {
            rt.block_on(async {
                let sem = Arc::new(myrt_sync::Semaphore::new(SEM_PERMITS));
                let hs: Vec<_> = (0..SEM_TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        tokio::spawn(async move {
                            for _ in 0..SEM_ITERS {
                                let _p = sem.acquire().await.unwrap();
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
        })
    });
    g.bench_function("tokio", |b| {
        per_sample_runtime(b, |rt| {
            rt.block_on(async {
                let sem = Arc::new(tokio::sync::Semaphore::new(SEM_PERMITS));
                let hs: Vec<_> = (0..SEM_TASKS)
                    .map(|_| {
                        let sem = sem.clone();
                        tokio::spawn(async move {
                            for _ in 0..SEM_ITERS {
                                let _p = sem.acquire().await.unwrap();
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

const ITEMS: usize = 100_000;
const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
const CAPACITY: usize = 128;

/// 4 producers put [`ITEMS`] through a bounded `myrt_sync::Queue` to
/// `consumers` consumers; shutdown ends the consumers.
async fn myrt_queue(consumers: usize) {
    let q = Arc::new(myrt_sync::Queue::new(CAPACITY));
    let cs: Vec<_> = (0..consumers)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move {
                let mut n = 0usize;
                while let Ok(v) = q.get().await {
                    n += v & 1;
                }
                n
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move {
                for i in 0..ITEMS / PRODUCERS {
                    q.put(i).await.unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    q.shutdown(false);
    let mut odd = 0;
    for c in cs {
        odd += c.await.unwrap();
    }
    assert_eq!(odd, ITEMS / 2);
}

fn queue_mpmc(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/queue_4x4_cap128_100k");
    g.sample_size(20);
    for consumers in [CONSUMERS, 1] {
        g.bench_function(format!("myrt_queue_4to{consumers}"), |b| {
            per_sample_runtime(b, |rt| rt.block_on(myrt_queue(consumers)))
        });
    }
    g.bench_function("tokio_mpsc_4to1", |b| {
        per_sample_runtime(b, |rt| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
                let producers: Vec<_> = (0..PRODUCERS)
                    .map(|_| {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for i in 0..ITEMS / PRODUCERS {
                                tx.send(i).await.unwrap();
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let consumer = tokio::spawn(async move {
                    let mut n = 0usize;
                    while let Some(v) = rx.recv().await {
                        n += v & 1;
                    }
                    n
                });
                for p in producers {
                    p.await.unwrap();
                }
                assert_eq!(consumer.await.unwrap(), ITEMS / 2);
            })
        })
    });
    g.finish();
}

const WAITERS: usize = 100;

/// Polls a future once (registering its waker) without completing the
/// enclosing task.
async fn register<F: Future + Unpin>(f: &mut F) {
    poll_fn(|cx| {
        let _ = std::pin::Pin::new(&mut *f).poll(cx);
        Poll::Ready(())
    })
    .await
}

async fn until(count: &AtomicUsize, n: usize) {
    while count.load(Ordering::Acquire) < n {
        tokio::task::yield_now().await;
    }
}

fn event_fanout(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync/event_fanout_100");
    g.bench_function("myrt_event", |b| {
        per_sample_runtime(b, |rt| {
            // The whole scenario runs on the workers: the signalling task
            // spins on yield_now, which would otherwise park the bench thread.
            rt.block_on(rt.spawn(async {
                let ev = Arc::new(myrt_sync::Event::new());
                let ready = Arc::new(AtomicUsize::new(0));
                let hs: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let (ev, ready) = (ev.clone(), ready.clone());
                        tokio::spawn(async move {
                            let mut w = ev.wait();
                            register(&mut w).await;
                            ready.fetch_add(1, Ordering::Release);
                            w.await;
                        })
                    })
                    .collect();
                until(&ready, WAITERS).await;
                ev.set();
                for h in hs {
                    h.await.unwrap();
                }
            }))
            .unwrap()
        })
    });
    g.bench_function("tokio_notify", |b| {
        per_sample_runtime(b, |rt| {
            rt.block_on(rt.spawn(async {
                let n = Arc::new(tokio::sync::Notify::new());
                let ready = Arc::new(AtomicUsize::new(0));
                let hs: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let (n, ready) = (n.clone(), ready.clone());
                        tokio::spawn(async move {
                            let mut w = pin!(n.notified());
                            w.as_mut().enable();
                            ready.fetch_add(1, Ordering::Release);
                            w.await;
                        })
                    })
                    .collect();
                until(&ready, WAITERS).await;
                n.notify_waiters();
                for h in hs {
                    h.await.unwrap();
                }
            }))
            .unwrap()
        })
    });
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
        event_fanout
    );
}
criterion_main!(group::benches);
