//! Reentrant-lock scenarios: myrt's `RLock` from plain threads beside
//! `parking_lot::ReentrantMutex` (the thread-only reentrant mutex Rust
//! users reach for) and beside myrt's own non-reentrant `Lock`, plus an
//! async case on a myrt runtime. Each checks its result.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// Acquisitions per thread.
pub const ITERS: usize = 10_000;

/// One thread: take the lock, re-enter once, release both, `ITERS` times.
pub fn myrt_rlock_uncontended() {
    let lock = myrt_sync::RLock::new(AtomicUsize::new(0));
    for _ in 0..ITERS {
        let outer = lock.blocking_lock();
        let inner = lock.blocking_lock();
        inner.fetch_add(1, Ordering::Relaxed);
        drop(inner);
        drop(outer);
    }
    assert_eq!(lock.into_inner().into_inner(), ITERS);
}

/// [`myrt_rlock_uncontended`] with parking_lot's `ReentrantMutex`.
pub fn parking_lot_uncontended() {
    let lock = parking_lot::ReentrantMutex::new(AtomicUsize::new(0));
    for _ in 0..ITERS {
        let outer = lock.lock();
        let inner = lock.lock();
        inner.fetch_add(1, Ordering::Relaxed);
        drop(inner);
        drop(outer);
    }
    assert_eq!(lock.into_inner().into_inner(), ITERS);
}

/// One thread, one level (no re-entry) with myrt's `Lock`: what the
/// reentrancy costs on top.
pub fn myrt_lock_uncontended() {
    let lock = myrt_sync::Lock::new(0usize);
    for _ in 0..ITERS {
        *lock.blocking_lock() += 1;
    }
    assert_eq!(lock.into_inner(), ITERS);
}

/// Threads contending for the lock.
pub const THREADS: usize = 4;

macro_rules! contended {
    ($name:ident, $lock:expr, $take:ident) => {
        /// 4 threads × `ITERS` acquisitions, each re-entering once.
        pub fn $name() {
            let lock = Arc::new($lock);
            let ts: Vec<_> = (0..THREADS)
                .map(|_| {
                    let lock = lock.clone();
                    thread::spawn(move || {
                        for _ in 0..ITERS {
                            let outer = lock.$take();
                            let inner = lock.$take();
                            inner.fetch_add(1, Ordering::Relaxed);
                            drop(inner);
                            drop(outer);
                        }
                    })
                })
                .collect();
            for t in ts {
                t.join().expect("bench thread");
            }
            assert_eq!(lock.$take().load(Ordering::Relaxed), THREADS * ITERS);
        }
    };
}
contended!(
    myrt_rlock_contended,
    myrt_sync::RLock::new(AtomicUsize::new(0)),
    blocking_lock
);
contended!(
    parking_lot_contended,
    parking_lot::ReentrantMutex::new(AtomicUsize::new(0)),
    lock
);

/// Tasks contending in the async case.
pub const TASKS: usize = 8;
/// Rounds per task in the async case.
pub const TASK_ITERS: usize = 1_000;

/// 8 tasks × 1,000 rounds on the runtime this runs in: `lock().await`,
/// re-enter with `lock().await`, add 1. Needs a myrt runtime (the owner is
/// the task).
pub async fn myrt_rlock_tasks() {
    let lock = Arc::new(myrt_sync::RLock::new(AtomicUsize::new(0)));
    let hs: Vec<_> = (0..TASKS)
        .map(|_| {
            let lock = lock.clone();
            myrt::spawn(async move {
                for _ in 0..TASK_ITERS {
                    let outer = lock.lock().await;
                    let inner = lock.lock().await;
                    inner.fetch_add(1, Ordering::Relaxed);
                    drop(inner);
                    drop(outer);
                }
            })
        })
        .collect();
    for h in hs {
        h.await.expect("rlock task");
    }
    assert_eq!(
        lock.try_lock().unwrap().load(Ordering::Relaxed),
        TASKS * TASK_ITERS
    );
}

/// [`myrt_rlock_tasks`] with myrt's `Lock`, one level per round.
pub async fn myrt_lock_tasks() {
    let lock = Arc::new(myrt_sync::Lock::new(0usize));
    let hs: Vec<_> = (0..TASKS)
        .map(|_| {
            let lock = lock.clone();
            myrt::spawn(async move {
                for _ in 0..TASK_ITERS {
                    *lock.lock().await += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.await.expect("lock task");
    }
    assert_eq!(*lock.try_lock().unwrap(), TASKS * TASK_ITERS);
}
